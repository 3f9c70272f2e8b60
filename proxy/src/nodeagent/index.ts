// The node agent's public surface for the operator: the config it renders and the report it reads.
export { parseNodeAgentConfig, renderNodeAgentConfig, validateNodeAgentConfig, NodeAgentConfigError, RUNTIMES } from './config.ts';
export type { MirroredRegistry, NodeAgentConfig, RuntimeName } from './config.ts';
export { configHash, reportConfigMapName, REPORT_KEY, REPORT_LABEL } from './report.ts';
export type { NodeAgentReport } from './report.ts';
export type { ApplyResult, RegistryResult, RuntimeResult, ResultState, Verdict } from './apply.ts';
export type { ContainerdAssessment, ContainerdVerdict } from './containerd/assess.ts';
