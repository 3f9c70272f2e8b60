// @berth/proxy: the pull-through cache's public API (its config is a contract: @berth/contracts/proxy-config).
export * from '@berth/contracts/proxy-config';
export { startProxy, type RunningProxy } from './app.ts';
export { main as runCli, serveConfig } from './cli.ts';
export type { Project } from './project.ts';
export type { CacheCounts, ProxyStats } from './observe/metrics.ts';
