// @berth/node-agent: writes each node's container runtime config so that pulls go through the cache, and reports
// what is in force. Its config and report are contracts (@berth/contracts/node-agent), which the operator imports
// instead of this package: the agent runs as root with the node's files mounted, the operator never does.
export { runNodeAgent } from './cli.ts';
export { applyNodeMirror, DEFAULT_STATE_DIR, type ApplyOptions } from './apply.ts';
