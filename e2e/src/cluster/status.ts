// What `pnpm cluster status` shows: each component (pid, port, running), the apiserver's readiness, the nodes.
import { apiserverUrl, componentNames, type ComponentName } from './components.ts';
import { apiGet, apiserverReady } from './health.ts';
import type { ClusterLayout } from './layout.ts';
import { adminTls } from './lifecycle.ts';
import { isNodeReady, type NodeLike } from './nodes.ts';
import { isRunning } from './processes.ts';
import { readState } from './state.ts';
import { nodeComponentNames, type NodeComponentName } from './realnode.ts';

export interface ClusterStatus {
  recorded: boolean;
  server?: string;
  kubeconfig: string;
  ready: boolean;
  components: { name: ComponentName | NodeComponentName; pid?: number; port?: number; running: boolean }[];
  nodes: { name: string; ready: boolean; real: boolean }[];
  /** the cluster registry (host:port) when the real node is up */
  registry?: string;
  /** the real node's containerd: 'system' (Debian's) or the bed's release (`up --containerd`) */
  containerd?: string;
}

export async function clusterStatus(layout: ClusterLayout): Promise<ClusterStatus> {
  const state = readState(layout);
  const names = [...componentNames, ...(state?.realNode ? nodeComponentNames : [])];
  const components = names.map((name) => {
    const rec = state?.processes[name];
    return { name, pid: rec?.pid, port: rec?.port, running: rec !== undefined && isRunning(rec.pid, rec.command) };
  });
  if (!state) return { recorded: false, kubeconfig: layout.kubeconfig, ready: false, components, nodes: [] };
  const server = apiserverUrl(state.ports);
  const tls = adminTls(layout);
  const ready = components.find((c) => c.name === 'kube-apiserver')!.running && (await apiserverReady(server, tls));
  const list = ready ? ((await apiGet(server, tls, '/api/v1/nodes')) as { items?: NodeLike[] } | undefined) : undefined;
  const nodes = (list?.items ?? []).map((n) => ({ name: n.metadata.name, ready: isNodeReady(n), real: n.metadata.name === state.realNode?.name }));
  return { recorded: true, server, kubeconfig: layout.kubeconfig, ready, components, nodes, ...(state.realNode ? { registry: state.realNode.registry } : {}), ...(state.realNode?.containerd ? { containerd: state.realNode.containerd } : {}) };
}

export function formatStatus(s: ClusterStatus): string {
  if (!s.recorded && !s.components.some((c) => c.running)) return 'local control plane: down';
  const lines = [`local control plane: ${s.ready ? 'up' : 'NOT READY'}  ${s.server ?? ''}`.trimEnd(), `kubeconfig: ${s.kubeconfig}`, 'components:'];
  for (const c of s.components) {
    const port = c.port ? `port 127.0.0.1:${c.port}` : '';
    lines.push(`  ${c.name.padEnd(24)} ${(c.running ? 'running' : 'stopped').padEnd(8)} pid ${String(c.pid ?? '-').padEnd(8)} ${port}`.trimEnd());
  }
  if (s.registry) lines.push(`cluster registry: ${s.registry}`);
  lines.push(`nodes:${s.nodes.length === 0 ? ' (none)' : ''}`);
  for (const n of s.nodes) lines.push(`  ${n.name.padEnd(24)} ${(n.ready ? 'Ready' : 'NotReady').padEnd(8)} ${n.real ? `real (kubelet, containerd${s.containerd && s.containerd !== 'system' ? ` ${s.containerd}` : ''})` : 'kwok'}`.trimEnd());
  return lines.join('\n');
}
