// @berth/contracts/node-agent: the node agent's config (which the operator renders into a ConfigMap) and its report
// (which the operator reads back), without the agent itself.
export { parseNodeAgentConfig, renderNodeAgentConfig, validateNodeAgentConfig, mirrorUrl, NodeAgentConfigError, RUNTIMES } from './config.ts';
export type { MirroredRegistry, NodeAgentConfig, RuntimeName } from './config.ts';
export { configHash, reportConfigMapName, CONTAINERD_LINES, REPORT_KEY, REPORT_LABEL } from './report.ts';
export type {
  ApplyResult, ContainerdAssessment, ContainerdLine, ContainerdVerdict, DetectedRuntime, NodeAgentReport, NodeVerdict,
  RegistryResult, ResultState, RuntimeResult, Verdict,
} from './report.ts';
