// From the node agents' reports to a project's status: how many of the nodes it targets pull through the cache,
// and NodeMirrorReady with the reason a person can act on (the most pressing one when nodes differ).
import type { V1ConfigMap, V1Node } from '@kubernetes/client-node';
import { REPORT_KEY, type NodeAgentReport } from '@berth/contracts/node-agent';
import type { ProxyCacheProject } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import { projectKey, projectRegistry } from './conflicts.ts';
import { NOT_ALLOWED_REASON } from './tenancy.ts';

export type NodeReport = NodeAgentReport & { node: string };

export interface NodeMirrorSummary {
  configured: number;
  total: number;
  condition: ConditionInput;
}

/** Reads a berth-node-report-<node> ConfigMap; undefined when it holds no readable report (nodes are not trusted). */
export function parseNodeReport(cm: V1ConfigMap): NodeReport | undefined {
  try {
    const r = JSON.parse(cm.data?.[REPORT_KEY] ?? '') as Partial<NodeReport>;
    if (typeof r.node !== 'string' || !Array.isArray(r.registries) || !Array.isArray(r.runtimes)) return undefined;
    return r as NodeReport;
  } catch {
    return undefined;
  }
}

/** Most pressing first; each with what to do, for `n` nodes named in `nodes`. */
const REASONS: [string, (nodes: string) => string][] = [
  ['Conflict', (n) => `an older project mirrors this registry on ${n}`],
  ['ApplyFailed', (n) => `the node agent could not write the runtime config on ${n}; see the report ConfigMaps`],
  ['ContainerdConfigInvalid', (n) => `containerd would not start with the config.toml (or an import) on ${n}; see the report ConfigMaps`],
  ['ContainerdColonPath', (n) => `containerd 2.1+ ignores hosts.toml under a colon-separated config_path on ${n}: set config_path to a single folder (e.g. /etc/containerd/certs.d) and restart containerd`],
  ['LegacyMirrorsConfig', (n) => `containerd on ${n} has registry.mirrors tables in config.toml: remove them and restart containerd`],
  ['LegacyRegistryConfig', (n) => `containerd on ${n} has registry.configs.*.tls tables next to config_path: move TLS into hosts.toml and restart containerd`],
  ['ConfigPathUnset', (n) => `containerd on ${n} has no registry config_path: set config_path = "/etc/containerd/certs.d" and restart containerd`],
  ['ContainerdTooOld', (n) => `containerd on ${n} predates config_path (1.5): upgrade it`],
  ['ContainerdVersionUnknown', (n) => `the node agent cannot tell whether containerd on ${n} reads hosts.toml without its version (the Node object names none); see the report ConfigMaps for the fix that holds on every version`],
  ['ContainerdTooNew', (n) => `containerd on ${n} is newer than the releases the node agent knows; check its registry config by hand`],
  ['RestartRequired', (n) => `restart the container runtime on ${n} to pick up the mirror`],
  ['NoRuntimeFound', (n) => `the node agent found no supported runtime config on ${n}`],
  ['Pending', (n) => `waiting for the node agent to apply the current config on ${n}`],
];

/** A reason from a newer node agent than this operator knows: named, with the pointer to the node's report. */
const unlisted = (reason: string) => (n: string) => `the node agent reports ${reason} on ${n}; see the report ConfigMaps`;

export function summarizeNodeMirror(
  project: ProxyCacheProject,
  reports: NodeReport[],
  nodes: V1Node[],
  opts: { conflictWith?: string; configHash?: string; refused?: string } = {},
): NodeMirrorSummary {
  const nm = project.spec.nodeMirror;
  if (nm?.enabled !== true) {
    return { configured: 0, total: 0, condition: { type: 'NodeMirrorReady', status: 'False', reason: 'Disabled', message: 'spec.nodeMirror.enabled is not true' } };
  }
  if (opts.refused !== undefined) {
    return { configured: 0, total: 0, condition: { type: 'NodeMirrorReady', status: 'False', reason: NOT_ALLOWED_REASON, message: opts.refused } };
  }
  if (opts.conflictWith !== undefined) {
    return {
      configured: 0,
      total: 0,
      condition: {
        type: 'NodeMirrorReady',
        status: 'False',
        reason: 'Conflict',
        message: `ProxyCacheProject ${opts.conflictWith} is older and already mirrors ${projectRegistry(project) ?? 'this registry'} on the nodes`,
      },
    };
  }
  const selector = nm.nodeSelector ?? {};
  const targeted = nodes.filter((n) => !n.metadata?.deletionTimestamp && Object.entries(selector).every(([k, v]) => n.metadata?.labels?.[k] === v));
  const byNode = new Map(reports.map((r) => [r.node, r]));
  const blocked = new Map<string, string[]>(); // reason → node names
  let configured = 0;
  for (const node of targeted) {
    const name = node.metadata?.name ?? '';
    const reason = nodeState(project, byNode.get(name), opts.configHash);
    if (reason === 'Configured') configured++;
    else blocked.set(reason, [...(blocked.get(reason) ?? []), name]);
  }
  const total = targeted.length;
  if (total === 0) {
    return { configured, total, condition: { type: 'NodeMirrorReady', status: 'False', reason: 'NoNodes', message: 'no node matches spec.nodeMirror.nodeSelector' } };
  }
  if (configured === total) {
    return { configured, total, condition: { type: 'NodeMirrorReady', status: 'True', reason: 'Configured', message: `${configured}/${total} nodes pull ${projectRegistry(project) ?? ''} through the cache` } };
  }
  const known = REASONS.find(([r]) => blocked.has(r));
  const first = [...blocked.keys()][0] as string;
  const [reason, advice] = known ?? [first, unlisted(first)];
  const names = blocked.get(reason) ?? [];
  const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
  return {
    configured,
    total,
    condition: { type: 'NodeMirrorReady', status: 'False', reason, message: `${configured}/${total} nodes configured; ${advice(`${names.length === 1 ? 'node' : 'nodes'} ${shown}`)}` },
  };
}

/** 'Configured', or the reason this node does not pull the project's registry through the cache. */
function nodeState(project: ProxyCacheProject, report: NodeReport | undefined, configHash: string | undefined): string {
  if (!report || (configHash !== undefined && report.configHash !== configHash)) return 'Pending';
  const registry = projectRegistry(project);
  const entry = report.registries.find((r) => r.registry === registry);
  if (!entry) return report.runtimes.length === 0 ? 'NoRuntimeFound' : 'Pending';
  if (entry.project !== projectKey(project)) return 'Conflict';
  const relevant = entry.results.filter((r) => r.state !== 'skipped');
  if (relevant.length === 0) return 'NoRuntimeFound';
  if (relevant.some((r) => r.state === 'failed')) return 'ApplyFailed';
  const pending = relevant.find((r) => r.state === 'pending');
  return pending ? pending.reason : 'Configured';
}
