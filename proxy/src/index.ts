// @berth/proxy: the pull-through cache's public API (the config module is also exported as @berth/proxy/config).
export * from './config/index.ts';
export { startProxy, type RunningProxy } from './app.ts';
export { main as runCli, serveConfig } from './cli.ts';
export type { Project } from './project.ts';
export type { CacheCounts, ProxyStats } from './observe/metrics.ts';
