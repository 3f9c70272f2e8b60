// Berth's proxy as it runs in production: the built dist (`node proxy/dist/src/cli.js serve`), the environment and the
// node flags the image gives it (NODE_ENV=production, its allocator and heap settings, read from proxy/Dockerfile), log
// level warn. By default one project mirrors the bench's upstream as docker.io (the default project, so plain
// /v2/library/<name>/... paths and containerd's ?ns=docker.io both reach it); the soak gives its own projects.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proxyCliCommand } from '@berth/e2e';
import { renderProxyConfig, type ProjectConfig, type ProxyConfig, type S3StorageConfig } from '@berth/contracts/proxy-config';
import { imageEnv, imageNodeArgs } from './image-env.ts';
import { startLocalServer } from './local-server.ts';
import type { Peer } from './peer.ts';

export const berthCliPath = fileURLToPath(new URL('../../../proxy/dist/src/cli.js', import.meta.url));

export interface BerthOptions {
  upstreamUrl: string;
  /** The config's projects instead of the one docker.io project mirroring `upstreamUrl`. */
  projects?: ProjectConfig[];
  /** Run proxy/src through tsx (what a test runs: no build needed) instead of the built dist. */
  fromSource?: boolean;
  /** Extra node flags, e.g. --cpu-prof while profiling. */
  nodeArgs?: string[];
  /** Keep the store in this bucket instead of a directory (the directory is then only the working folder). */
  s3?: S3StorageConfig;
  /** With `s3`: the default project answers warm blob GETs with a redirect to a presigned URL of the bucket. */
  redirectToStorage?: boolean;
}

export function startBerth(opts: BerthOptions): Promise<Peer> {
  return startLocalServer('berth', async (dir, port) => {
    const config: ProxyConfig = {
      listen: `127.0.0.1:${port}`,
      storage: { directory: join(dir, 'storage'), ...(opts.s3 ? { s3: opts.s3 } : {}) },
      log: { level: 'warn' },
      projects: opts.projects ?? [{
        name: 'docker-hub', registry: 'docker.io', upstream: opts.upstreamUrl, default: true,
        ...(opts.redirectToStorage ? { redirectToStorage: true } : {}),
      }],
    };
    const configFile = join(dir, 'berth-proxy.yaml');
    await writeFile(configFile, renderProxyConfig(config));
    // BERTH_BENCH_NODE_ARGS: extra node flags for every Berth the bench starts (e.g. --import a memory sampler).
    const envArgs = process.env.BERTH_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    // From source, node resolves `--import tsx` from the repository root.
    const source = opts.fromSource ? proxyCliCommand() : undefined;
    const args = [...imageNodeArgs(), ...(opts.nodeArgs ?? []), ...envArgs, ...(source?.args ?? [berthCliPath]), 'serve', '--config', configFile];
    return { command: process.execPath, args, env: { ...process.env, ...imageEnv() }, cwd: source?.cwd ?? dir, readyPath: '/readyz' };
  });
}
