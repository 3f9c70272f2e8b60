// What a node reports about its mirror configuration: printed by `--once`, and kept in-cluster in the ConfigMap
// berth-node-report-<node> (label berth.dev/node-report: "true", key report.json) for the operator to sum up.
import type { ApplyResult } from './apply.ts';
import { sha256 } from './files.ts';
import { nodeVerdict, type NodeVerdict } from './gate.ts';

export const REPORT_LABEL = 'berth.dev/node-report';
export const REPORT_KEY = 'report.json';

export interface NodeAgentReport extends ApplyResult {
  node?: string;
  time: string;
  /** The node as a whole (gate.ts); absent in reports of older agents. */
  verdict?: NodeVerdict;
  /** configHash of the agent config applied: the operator compares it with the one it rendered. */
  configHash: string;
}

/** Short hash of the agent config text; the operator computes the same over the ConfigMap data it writes. */
export function configHash(configText: string): string {
  return sha256(configText).slice(0, 16);
}

export function reportConfigMapName(node: string): string {
  return `berth-node-report-${node}`;
}

export function buildReport(result: ApplyResult, configText: string, node: string | undefined, now: Date): NodeAgentReport {
  return { ...(node !== undefined ? { node } : {}), time: now.toISOString(), configHash: configHash(configText), verdict: nodeVerdict(result), ...result };
}

/** The ConfigMap as a server-side apply body. */
export function reportConfigMap(report: NodeAgentReport & { node: string }, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: reportConfigMapName(report.node),
      namespace,
      labels: { [REPORT_LABEL]: 'true', 'app.kubernetes.io/part-of': 'berth', 'app.kubernetes.io/component': 'node-agent' },
    },
    data: { [REPORT_KEY]: JSON.stringify(report) },
  };
}
