// What replicas sharing one store and one Redis index coordinate, built in one place for the composition root:
// fill leases (one upstream fetch across replicas). Without `index.redis` none of it exists and each part keeps its
// in-process default.
import type { Logger } from '../observe/log.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import { SharedFillLeases, type FillLeases } from '../cache/fill-leases.ts';
import { RedisLeases } from './lease.ts';
import { connectRedis, type RedisClient } from './redis.ts';

/**
 * How long a fill lease lasts unrenewed: how long the other replicas wait before taking over from a filler that
 * died. Renewed every third of it, so a filler must stall for two renewals (event loop blocked, Redis unreachable)
 * before another replica fetches too — which costs a second upstream fetch, never wrong bytes.
 */
export const FILL_LEASE_TTL_MS = 10_000;

export interface ReplicaCoordination {
  readonly fills: FillLeases;
  close(): Promise<void>;
}

export async function coordinateReplicas(redisUrl: string, deps: { logger: Logger; metrics: ProxyMetrics }): Promise<ReplicaCoordination> {
  const { logger, metrics } = deps;
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
  return {
    fills,
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}
