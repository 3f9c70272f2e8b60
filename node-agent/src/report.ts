// The report the agent makes of a run: printed by `--once` and `--check`, and kept in-cluster in the ConfigMap
// berth-node-report-<node> for the operator to sum up. Its shape, name and label are the contract in
// @berth/contracts/node-agent; this module fills it in.
import {
  configHash, REPORT_KEY, REPORT_LABEL, reportConfigMapName, type ApplyResult, type NodeAgentReport,
} from '@berth/contracts/node-agent';
import { nodeVerdict } from './gate.ts';

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
