// The composition root: builds store, index, upstream clients, pull-through, server from a validated config.
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from '@berth/contracts/proxy-config';
import { resolveProjects } from './project.ts';
import { openStore } from './store/open.ts';
import { Catalog } from './index/catalog.ts';
import { UpstreamClient } from './upstream/client.ts';
import { OciUpstream } from './upstream/oci-upstream.ts';
import { resolveUpstreamTimeouts } from './upstream/timeouts.ts';
import { PullThrough } from './cache/pullthrough.ts';
import { InUse } from './cache/inuse.ts';
import { coordinateReplicas } from './replicas/coordination.ts';
import { SharedStoredCounts } from './replicas/stored-counts.ts';
import { UsageIndex } from './retention/usage.ts';
import { Evictor } from './retention/evictor.ts';
import { Pinner } from './retention/pinner.ts';
import { ProxyMetrics } from './observe/metrics.ts';
import { createLogger, type Logger } from './observe/log.ts';
import { AccessLog } from './observe/access-log.ts';
import { IndexSummaries } from './index/summary.ts';
import { createProxyServer, proxyRequestListener } from './server/server.ts';
import { startSecureServing, type SecureServing } from './server/secure-server.ts';
import { readCertificatePair } from './tls/files.ts';

export interface RunningProxy {
  server: Server;
  address: AddressInfo;
  /** The HTTPS side, when the config has `tls`. */
  secure?: SecureServing;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), closes everything. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** How often retention runs (and batched last-pulled times are written); default 60 s. */
  retentionIntervalMs?: number;
  /** First retry of pinned images that failed at start; default 30 s, doubling up to 10 min. */
  pinRetryMs?: number;
  /** How often the TLS files are read when no file event came; default 30 s. */
  tlsPollMs?: number;
}

export async function startProxy(config: ProxyConfig, opts: StartOptions = {}): Promise<RunningProxy> {
  const logger = createLogger(config.log?.level);
  // Checked before anything else starts: a pair that cannot be served stops the start with its reason.
  const tlsPair = config.tls ? await readCertificatePair(config.tls.certFile, config.tls.keyFile) : undefined;
  const projects = resolveProjects(config);
  const opened = await openStore(config.storage, {
    onError: (err) => logger.warn('object storage sweep failed', { error: err.message }),
    keepDownloads: projects.some((p) => !p.redirectToStorage),
  });
  const store = opened.store;
  const catalog = config.index?.redis ? await Catalog.redis(config.index.redis) : Catalog.embedded(opened.indexFile);
  const metrics = new ProxyMetrics(projects.map((p) => p.name));
  metrics.watchMemoryCache(() => opened.hot.bytes);
  const usage = await UsageIndex.load(catalog);
  for (const p of usage.projects()) metrics.setStored(p, usage.count(p), usage.bytes(p));
  const timeouts = resolveUpstreamTimeouts(config.upstreamTimeouts);
  const upstreams = new Map(projects.map((p) => [p.name, new OciUpstream(new UpstreamClient(p.config, {
    connectTimeoutMs: timeouts.connectMs, headersTimeoutMs: timeouts.headersMs, bodyTimeoutMs: timeouts.bodyMs, deadlineMs: timeouts.deadlineMs,
    onResponse: (method, code, seconds) => metrics.upstreamResponse(p.name, method, code, seconds),
  }))]));
  const replicas = config.index?.redis ? await coordinateReplicas(config.index.redis, { logger, metrics, catalog }) : undefined;
  const inUse = replicas?.inUse ?? new InUse();
  // With a shared index every replica's stats show the whole cache's stored counts, not its own share.
  const storedCounts = replicas ? new SharedStoredCounts({
    catalog, metrics, projects: projects.map((p) => p.name),
    onError: (err) => logger.warn('stored counts not read from the shared index (the stats keep the last ones)', { error: err.message }),
  }) : undefined;
  storedCounts?.start();
  const accessLog = new AccessLog(logger, config.log?.access === true);
  const indexSummaries = new IndexSummaries({ records: () => catalog.records(), onError: (err) => logger.warn('index summary failed', { error: err.message }) });
  void indexSummaries.refresh();
  const service = new PullThrough({ store, catalog, upstreams, observer: indexSummaries.observing(accessLog.observing(metrics)), usage, inUse, ...(replicas ? { fills: replicas.fills } : {}), warn: (message, fields) => logger.warn(message, fields) });
  const pinner = new Pinner({
    projects, service, catalog,
    onError: (ref, err) => logger.warn('pinned image not fetched; retrying later', { image: ref, error: err.message }),
    onRecovered: () => void evictor.run().catch((err: Error) => logger.error('retention pass failed', { error: err.message })),
    ...(opts.pinRetryMs ? { retryMs: opts.pinRetryMs } : {}),
  });
  await pinner.resolveLocal();
  const evictor = new Evictor({
    usage, catalog, store, inUse,
    policies: projects.map((p) => ({ project: p.name, unusedForMs: p.unusedForMs, maxSizeBytes: p.maxSizeBytes })),
    pinned: () => pinner.pinnedKeys(),
    observer: indexSummaries.observing(metrics),
    onError: (err) => logger.error('retention pass failed', { error: err.message }),
    ...(replicas ? {
      shared: replicas.retention,
      // The pass read the whole shared index: its figures are the freshest.
      onView: (view: UsageIndex) => {
        storedCounts?.set(view);
        logger.debug('shared retention pass', { bytes: Object.fromEntries(projects.map((p) => [p.name, view.bytes(p.name)])) });
      },
    } : {}),
    ...(opts.retentionIntervalMs ? { intervalMs: opts.retentionIntervalMs } : {}),
  });
  // A download that takes a project past its maxSize starts a pass; wired here so that no part subscribes itself.
  usage.onAdd((project) => evictor.added(project));
  evictor.start();
  let ready = false;
  const serverOptions = { projects, service, metrics, logger, accessLog, repositories: catalog, indexSummaries, ...(storedCounts ? { storedCounts } : {}), isReady: () => ready };
  const listener = proxyRequestListener(serverOptions);
  const server = createProxyServer(serverOptions, listener);
  const secure = config.tls && tlsPair
    ? startSecureServing(config.tls, tlsPair, listener, { metrics, logger, ...(opts.tlsPollMs ? { pollMs: opts.tlsPollMs } : {}) })
    : undefined;
  try {
    await listen(server, config.listen);
    if (secure) await listen(secure.server, config.tls!.listen);
  } catch (err) {
    secure?.stop();
    server.close();
    throw err;
  }
  secure?.watch();
  ready = true;
  // Pinned images are fetched after the server is up: a slow upstream must not hold back serving what is cached.
  const pinning = pinner.fetchAll().then(() => evictor.run()).catch((err: Error) => logger.warn('pinning failed', { error: err.message }));
  const address = server.address() as AddressInfo;
  logger.info('serving', {
    listen: `${address.address}:${address.port}`,
    ...(secure ? { listenTLS: `${secure.address().address}:${secure.address().port}` } : {}),
    projects: projects.map((p) => ({ name: p.name, registry: p.registry, upstream: p.upstream })),
    storage: opened.description,
  });
  return {
    server, address, logger,
    ...(secure ? { secure } : {}),
    async stop(graceMs = 25_000) {
      const deadline = Date.now() + graceMs;
      ready = false;
      secure?.stop();
      await Promise.all([server, ...(secure ? [secure.server] : [])].map((s) => drain(s, graceMs)));
      // On object storage a client has the whole blob once it is verified, before the upload is complete
      // (cache/fill.ts): what is still uploading gets the rest of the grace to be stored, or is left to the sweeper.
      await within(service.settled(), deadline - Date.now());
      await pinner.stop();
      await evictor.stop().catch(() => undefined);
      storedCounts?.stop();
      await Promise.all([...upstreams.values()].map((u) => u.close().catch(() => undefined)));
      await pinning;
      await catalog.close().catch(() => undefined);
      await replicas?.close();
      opened.close();
    },
  };
}

function listen(server: Server | HttpsServer, address: string): Promise<void> {
  const { host, port } = splitListen(address);
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Resolves when `work` settles or after `ms`, whichever comes first. */
async function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then ends what is left. */
async function drain(server: Server | HttpsServer, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // close() ends only the connections idle right now; a keep-alive connection whose download finishes during
  // the drain turns idle later and would hold the process until the grace ran out.
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), 200);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearInterval(sweeper);
  clearTimeout(timer);
}

export function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port: Number(listen.slice(colon + 1)) };
}
