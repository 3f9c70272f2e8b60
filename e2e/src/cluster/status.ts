// What `pnpm cluster status` shows: each component (pid, port, running), the apiserver's readiness, the nodes.
import { apiserverUrl, componentNames, type ComponentName } from './components.ts';
import { apiGet, apiserverReady } from './health.ts';
import type { ClusterLayout } from './layout.ts';
import { adminTls } from './lifecycle.ts';
import { isNodeReady, type NodeLike } from './nodes.ts';
import { isRunning } from './processes.ts';
import { readState } from './state.ts';

export interface ClusterStatus {
  recorded: boolean;
  server?: string;
  kubeconfig: string;
  ready: boolean;
  components: { name: ComponentName; pid?: number; port?: number; running: boolean }[];
  nodes: { name: string; ready: boolean }[];
}

export async function clusterStatus(layout: ClusterLayout): Promise<ClusterStatus> {
  const state = readState(layout);
  const components = componentNames.map((name) => {
    const rec = state?.processes[name];
    return { name, pid: rec?.pid, port: rec?.port, running: rec !== undefined && isRunning(rec.pid, rec.command) };
  });
  if (!state) return { recorded: false, kubeconfig: layout.kubeconfig, ready: false, components, nodes: [] };
  const server = apiserverUrl(state.ports);
  const tls = adminTls(layout);
  const ready = components.find((c) => c.name === 'kube-apiserver')!.running && (await apiserverReady(server, tls));
  const list = ready ? ((await apiGet(server, tls, '/api/v1/nodes')) as { items?: NodeLike[] } | undefined) : undefined;
  const nodes = (list?.items ?? []).map((n) => ({ name: n.metadata.name, ready: isNodeReady(n) }));
  return { recorded: true, server, kubeconfig: layout.kubeconfig, ready, components, nodes };
}

export function formatStatus(s: ClusterStatus): string {
  if (!s.recorded && !s.components.some((c) => c.running)) return 'local control plane: down';
  const lines = [`local control plane: ${s.ready ? 'up' : 'NOT READY'}  ${s.server ?? ''}`.trimEnd(), `kubeconfig: ${s.kubeconfig}`, 'components:'];
  for (const c of s.components) {
    lines.push(`  ${c.name.padEnd(24)} ${(c.running ? 'running' : 'stopped').padEnd(8)} pid ${String(c.pid ?? '-').padEnd(8)} port 127.0.0.1:${c.port ?? '-'}`);
  }
  lines.push(`nodes:${s.nodes.length === 0 ? ' (none)' : ''}`);
  for (const n of s.nodes) lines.push(`  ${n.name.padEnd(24)} ${n.ready ? 'Ready' : 'NotReady'}`);
  return lines.join('\n');
}
