// The composition root: builds store, index, upstream clients, pull-through, server from a validated config.
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from './config/index.ts';
import { resolveProjects } from './project.ts';
import { FileBlobStore } from './store/blobstore.ts';
import { Catalog } from './index/catalog.ts';
import { UpstreamClient } from './upstream/client.ts';
import { PullThrough } from './cache/pullthrough.ts';
import { ProxyMetrics } from './observe/metrics.ts';
import { createLogger, type Logger } from './observe/log.ts';
import { createProxyServer } from './server/server.ts';

export interface RunningProxy {
  server: Server;
  address: AddressInfo;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), closes everything. */
  stop(graceMs?: number): Promise<void>;
}

export async function startProxy(config: ProxyConfig): Promise<RunningProxy> {
  const logger = createLogger(config.log?.level);
  const projects = resolveProjects(config);
  await mkdir(config.storage.directory, { recursive: true });
  const store = new FileBlobStore(config.storage.directory);
  await store.init();
  const catalog = config.index?.redis ? Catalog.redis(config.index.redis) : Catalog.embedded(store.paths.indexFile);
  const metrics = new ProxyMetrics(projects.map((p) => p.name));
  await seedStats(catalog, metrics);
  const upstreams = new Map(projects.map((p) => [p.name, new UpstreamClient(p.config, {
    onResponse: (method, code, seconds) => metrics.upstreamResponse(method, code, seconds),
  })]));
  const service = new PullThrough({ store, catalog, upstreams, observer: metrics });
  let ready = false;
  const server = createProxyServer({ projects, service, metrics, logger, isReady: () => ready });
  const { host, port } = splitListen(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  ready = true;
  const address = server.address() as AddressInfo;
  logger.info('serving', { listen: `${address.address}:${address.port}`, projects: projects.map((p) => ({ name: p.name, registry: p.registry, upstream: p.upstream })) });
  return {
    server, address, logger,
    async stop(graceMs = 25_000) {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await Promise.all([...upstreams.values()].map((u) => u.close().catch(() => undefined)));
      await catalog.close().catch(() => undefined);
    },
  };
}

async function seedStats(catalog: Catalog, metrics: ProxyMetrics): Promise<void> {
  const perProject = new Map<string, { artifacts: number; bytes: number }>();
  for await (const [key, value] of catalog.entries()) {
    const m = /^(manifest|blob):([a-z0-9-]+)[/@]/.exec(key);
    if (!m) continue;
    const counts = perProject.get(m[2]!) ?? { artifacts: 0, bytes: 0 };
    counts.artifacts++;
    counts.bytes += (value as { size?: number }).size ?? 0;
    perProject.set(m[2]!, counts);
  }
  for (const [project, c] of perProject) metrics.setStored(project, c.artifacts, c.bytes);
}

export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port: Number(listen.slice(colon + 1)) };
}
