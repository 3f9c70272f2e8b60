// Prometheus metrics and the /_berth/stats counters, from one module, labelled by project (registry) and route.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheCounts, ProxyStats, StoredScope } from '@berth/contracts/stats';
import type { CacheObserver } from '../cache/observer.ts';
import { proxyVersion } from './build-info.ts';
import { withheldMessage } from './withhold.ts';
import { CounterTally, HistogramTally } from './tally.ts';

export type { CacheCounts, ProxyStats, StoredScope };

/** How the stats are shown; `withhold`: projects whose upstream errors show only their kind (no names). */
export interface StatsView {
  withhold?: ReadonlySet<string>;
}

interface UpstreamErrorRecord {
  project: string;
  time: string;
  message: string;
}

/** A Counter whose increments are tallied on the request path and added to it when it is read. */
function tallied<L extends string>(registry: Registry, config: { name: string; help: string; labelNames: readonly L[] }): CounterTally<L> {
  const tally = new CounterTally(config.labelNames);
  new Counter<L>({
    ...config, registers: [registry],
    collect() {
      tally.drainInto(this);
    },
  });
  return tally;
}

function emptyCounts(): CacheCounts {
  return { artifacts: 0, bytes: 0, hits: 0, misses: 0, upstreamDeleted: 0, lastUpstreamError: null };
}

export class ProxyMetrics implements CacheObserver {
  readonly registry = new Registry();
  /** Whose stored counts `setStored` gives (replicas/stored-counts.ts sets `cache`); shown in the stats. */
  storedScope: StoredScope = 'replica';
  // Counted on every request: in tallies (tally.ts), handed to Prometheus when it reads them.
  private readonly requests = tallied(this.registry, { name: 'berth_requests_total', help: 'HTTP requests by route, status code and project ("" for routes outside a project)', labelNames: ['route', 'code', 'project'] });
  private readonly requestLatency = new HistogramTally(
    'berth_request_duration_seconds', 'Time to answer a request, by route and project (blobs: until the last byte is sent)',
    ['route', 'project'], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120], this.registry,
  );
  private readonly hits = tallied(this.registry, { name: 'berth_cache_hits_total', help: 'Requests served from the cache', labelNames: ['project', 'kind'] });
  private readonly misses = tallied(this.registry, { name: 'berth_cache_misses_total', help: 'Requests that went upstream', labelNames: ['project', 'kind'] });
  private readonly coalescedWaiters = new Counter({ name: 'berth_coalesced_waiters_total', help: 'Requests that joined a download already in progress', labelNames: ['project', 'kind'], registers: [this.registry] });
  private readonly bytesServed = tallied(this.registry, { name: 'berth_bytes_served_total', help: 'Blob bytes sent to clients, by source', labelNames: ['source'] });
  private readonly upstreamLatency = new Histogram({ name: 'berth_upstream_request_duration_seconds', help: 'Upstream response time to headers, by project, method and status code', labelNames: ['project', 'method', 'code'], registers: [this.registry] });
  private readonly fillLeaseWaits = new Counter({
    name: 'berth_fill_lease_waits_total',
    help: 'Fills that found another replica fetching the same content, by outcome: stored (served from the shared store), takeover (its lease ended without the content), unavailable (no lease service; fetched alone)',
    labelNames: ['project', 'kind', 'outcome'], registers: [this.registry],
  });
  private readonly fillLeaseWaitSeconds = new Histogram({
    name: 'berth_fill_lease_wait_seconds', help: 'Time spent waiting for another replica\'s fill', labelNames: ['project', 'kind'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300], registers: [this.registry],
  });
  private readonly deleted = new Counter({ name: 'berth_upstream_deleted_total', help: 'Cached artifacts found deleted upstream and kept', labelNames: ['project'], registers: [this.registry] });
  private readonly storeBytes = new Gauge({ name: 'berth_store_bytes', help: 'Bytes stored per project', labelNames: ['project'], registers: [this.registry] });
  private readonly evictions = new Counter({ name: 'berth_evictions_total', help: 'Artifacts removed by retention', labelNames: ['project'], registers: [this.registry] });
  // Made on the first certificate: an unlabelled gauge reads 0 until set, and a proxy without HTTPS would seem to
  // serve a certificate that expired in 1970 (and fire BerthCertificateExpiringSoon).
  private tlsExpiry: Gauge | undefined;
  private readonly tlsReloads = new Counter({ name: 'berth_tls_reloads_total', help: 'Changed certificate files: reloaded, or refused (the pair in use kept)', labelNames: ['result'], registers: [this.registry] });
  private readonly tlsHandshakeFailures = new Counter({ name: 'berth_tls_handshake_failures_total', help: 'Failed TLS handshakes, by reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly totals = emptyCounts();
  private readonly perProject = new Map<string, CacheCounts>();
  /** The last upstream error in total and per project, with its project: the view decides what it may say. */
  private lastError: UpstreamErrorRecord | undefined;
  private readonly lastErrors = new Map<string, UpstreamErrorRecord>();

  constructor(projects: readonly string[]) {
    for (const p of projects) this.perProject.set(p, emptyCounts());
    // Process and runtime figures (memory, fds, event-loop lag, GC), prefixed like the operator's.
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_proxy_' });
    new Gauge({ name: 'berth_proxy_build_info', help: 'Always 1; the proxy version and Node.js version as labels', labelNames: ['version', 'nodejs'], registers: [this.registry] })
      .set({ version: proxyVersion(), nodejs: process.version }, 1);
  }

  private counts(project: string): CacheCounts {
    let counts = this.perProject.get(project);
    if (!counts) this.perProject.set(project, (counts = emptyCounts()));
    return counts;
  }

  private each(project: string, update: (c: CacheCounts) => void): void {
    update(this.totals);
    update(this.counts(project));
  }

  request(route: string, code: number, seconds?: number, project = ''): void {
    this.requests.inc({ route, code: String(code), project });
    if (seconds !== undefined) this.requestLatency.observe({ route, project }, seconds);
  }
  served(source: string, bytes: number): void {
    if (bytes > 0) this.bytesServed.inc({ source }, bytes);
  }
  upstreamResponse(project: string, method: string, code: number | 'error', seconds: number): void {
    this.upstreamLatency.observe({ project, method, code: String(code) }, seconds);
  }

  hit(project: string, kind: 'manifest' | 'blob'): void {
    this.hits.inc({ project, kind });
    this.totals.hits++;
    this.counts(project).hits++;
  }
  miss(project: string, kind: 'manifest' | 'blob'): void {
    this.misses.inc({ project, kind });
    this.totals.misses++;
    this.counts(project).misses++;
  }
  coalesced(project: string, kind: 'manifest' | 'blob'): void {
    this.coalescedWaiters.inc({ project, kind });
  }
  /** A fill waited for another replica's lease (fill-leases.ts). */
  fillLeaseWait(project: string, kind: 'manifest' | 'blob', outcome: 'stored' | 'takeover' | 'unavailable', seconds: number): void {
    this.fillLeaseWaits.inc({ project, kind, outcome });
    if (outcome !== 'unavailable') this.fillLeaseWaitSeconds.observe({ project, kind }, seconds);
  }
  upstreamDeleted(project: string): void {
    this.deleted.inc({ project });
    this.each(project, (c) => c.upstreamDeleted++);
  }
  upstreamError(project: string, message: string): void {
    const error = { project, time: new Date().toISOString(), message };
    this.lastError = error;
    this.lastErrors.set(project, error);
    if (!this.perProject.has(project)) this.perProject.set(project, emptyCounts());
  }
  stored(project: string, bytes: number): void {
    this.storeBytes.inc({ project }, bytes);
    this.each(project, (c) => {
      c.artifacts++;
      c.bytes += bytes;
    });
  }
  evicted(project: string, bytes: number): void {
    this.storeBytes.dec({ project }, bytes);
    this.evictions.inc({ project });
    this.each(project, (c) => {
      c.artifacts--;
      c.bytes -= bytes;
    });
  }
  /** Sets a project's stored counts: at start from the catalog, and from the shared index when there is one. */
  setStored(project: string, artifacts: number, bytes: number): void {
    this.storeBytes.set({ project }, bytes);
    const counts = this.perProject.get(project) ?? emptyCounts();
    this.totals.artifacts += artifacts - counts.artifacts;
    this.totals.bytes += bytes - counts.bytes;
    counts.artifacts = artifacts;
    counts.bytes = bytes;
    this.perProject.set(project, counts);
  }

  /** The bytes of small blobs held in memory (storage.memory), read at each scrape. */
  watchMemoryCache(bytes: () => number): void {
    new Gauge({
      name: 'berth_memory_cache_bytes', help: 'Bytes of small blobs held in memory (storage.memory)', registers: [this.registry],
      collect() {
        this.set(bytes());
      },
    });
  }

  /** The certificate served now (at start and after each reload). */
  tlsCertificate(notAfter: Date): void {
    this.tlsExpiry ??= new Gauge({ name: 'berth_tls_certificate_expiry_timestamp_seconds', help: 'When the certificate the HTTPS port serves expires (Unix time)', registers: [this.registry] });
    this.tlsExpiry.set(Math.floor(notAfter.getTime() / 1000));
  }
  tlsReload(result: 'reloaded' | 'refused'): void {
    this.tlsReloads.inc({ result });
  }
  /** `reason` is one of a few fixed words (handshakeFailureReason), never the client's own text. */
  tlsHandshakeFailure(reason: string): void {
    this.tlsHandshakeFailures.inc({ reason });
  }

  /** The /_berth/stats document (contract 3), as `view` may see it. */
  stats(view: StatsView = {}): ProxyStats {
    const shown = (e: UpstreamErrorRecord | undefined) =>
      e ? { time: e.time, message: view.withhold?.has(e.project) ? withheldMessage(e.message) : e.message } : null;
    const projects = Object.fromEntries([...this.perProject].map(([name, c]) => [name, { ...c, lastUpstreamError: shown(this.lastErrors.get(name)) }]));
    return { ...this.totals, lastUpstreamError: shown(this.lastError), projects, stored: this.storedScope };
  }
}
