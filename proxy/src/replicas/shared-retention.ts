// Retention for replicas sharing one store and one Redis index: one replica at a time runs a pass (a lease on one
// key, renewed while the pass runs, so a replica that dies mid-pass frees it), over the whole shared index — sizes
// and last-pulled times every replica wrote there — and leaves alone what another replica marked in use.
import type { Catalog } from '../index/catalog.ts';
import type { SharedRetention } from '../retention/evictor.ts';
import { UsageIndex } from '../retention/usage.ts';
import type { InUseMarks } from './inuse-marks.ts';
import type { Leases } from './lease.ts';
import { COORDINATION_PREFIX } from './redis.ts';

const LOCK_KEY = `${COORDINATION_PREFIX}retention`;

export class RedisRetention implements SharedRetention {
  constructor(private readonly deps: { leases: Leases; catalog: Catalog; marks: InUseMarks }) {}

  async exclusive<T>(pass: () => Promise<T>): Promise<T | undefined> {
    const lock = await this.deps.leases.tryAcquire(LOCK_KEY);
    if (!lock) return undefined;
    try {
      return await pass();
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  /**
   * Read whole from the shared index on each pass (one scan): every replica adds and touches artifacts, so no
   * replica's memory holds the cache's order. Last-pulled times reach the index in each replica's batches.
   */
  view(): Promise<UsageIndex> {
    return UsageIndex.load(this.deps.catalog);
  }

  busyElsewhereAll(): Promise<ReadonlySet<string>> {
    return this.deps.marks.busyElsewhereAll();
  }

  busyElsewhere(digest: string): Promise<boolean> {
    return this.deps.marks.busyElsewhere(digest);
  }
}
