// What replicas sharing one store and one Redis index coordinate, built in one place for the composition root:
// fill leases (one upstream fetch across replicas), in-use marks and the retention lock (one retention for the
// cache as a whole). Without `index.redis` none of it exists and each part keeps its in-process default.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Catalog } from '../index/catalog.ts';
import type { Logger } from '../observe/log.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import { SharedFillLeases, type FillLeases } from '../cache/fill-leases.ts';
import { InUse } from '../cache/inuse.ts';
import type { SharedRetention } from '../retention/evictor.ts';
import { InUseMarks } from './inuse-marks.ts';
import { RedisLeases } from './lease.ts';
import { RedisRetention } from './shared-retention.ts';
import { connectRedis, type RedisClient } from './redis.ts';

/**
 * How long a fill lease lasts unrenewed: how long the other replicas wait before taking over from a filler that
 * died. Renewed every third of it, so a filler must stall for two renewals (event loop blocked, Redis unreachable)
 * before another replica fetches too — which costs a second upstream fetch, never wrong bytes.
 */
export const FILL_LEASE_TTL_MS = 10_000;

/**
 * How long the retention lock lasts unrenewed: a replica that died mid-pass holds up the next pass this long at
 * most (passes run every minute, or a second after a download).
 */
export const RETENTION_LOCK_TTL_MS = 30_000;

export interface ReplicaCoordination {
  readonly fills: FillLeases;
  /** Digests busy on this replica, marked in the shared index too. */
  readonly inUse: InUse;
  readonly retention: SharedRetention;
  close(): Promise<void>;
}

export async function coordinateReplicas(redisUrl: string, deps: { logger: Logger; metrics: ProxyMetrics; catalog: Catalog }): Promise<ReplicaCoordination> {
  const { logger, metrics, catalog } = deps;
  const client: RedisClient = await connectRedis(redisUrl, (err) => logger.warn('replica coordination: Redis error', { error: err.message }));
  const fillLeases = new RedisLeases(client, {
    ttlMs: FILL_LEASE_TTL_MS,
    onLost: (key, err) => logger.warn('fill lease lost: another replica may fetch the same content', { lease: key, ...(err ? { error: err.message } : {}) }),
  });
  const fills = new SharedFillLeases({
    leases: fillLeases,
    observer: {
      waited(project, kind, outcome, ms) {
        metrics.fillLeaseWait(project, kind, outcome, ms / 1000);
        if (outcome === 'takeover') logger.warn('took over a fill from another replica (its lease ended without the content)', { project, kind, waitedMs: ms });
        else logger.info('served a fill of another replica from the shared store', { project, kind, waitedMs: ms });
      },
      unavailable(project, kind, err) {
        metrics.fillLeaseWait(project, kind, 'unavailable', 0);
        logger.warn('fill lease unavailable: fetching without it', { project, kind, error: err.message });
      },
    },
  });
  // Unique per process: replicas of one pod name (a restart) or of one host (tests) must not share marks.
  const replica = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  let lastMarkWarning = 0;
  const marks: InUseMarks = new InUseMarks({
    // Called on the refresh timer, once `inUse` below exists.
    client, replica, busy: (): Iterable<string> => inUse.digests(),
    onError: (err) => {
      // Once a minute at most: every stream starting or ending writes a mark, and Redis may be down for a while.
      if (Date.now() - lastMarkWarning < 60_000) return;
      lastMarkWarning = Date.now();
      logger.warn('in-use marks not written to Redis (retention on other replicas may evict what this one serves)', { error: err.message });
    },
  });
  const inUse: InUse = new InUse(marks);
  marks.start();
  const retention = new RedisRetention({
    catalog, marks,
    leases: new RedisLeases(client, {
      ttlMs: RETENTION_LOCK_TTL_MS,
      onLost: (key, err) => logger.warn('retention lock lost mid-pass', { lock: key, ...(err ? { error: err.message } : {}) }),
    }),
  });
  return {
    fills, inUse, retention,
    async close() {
      marks.stop();
      await client.close().catch(() => undefined);
    },
  };
}
