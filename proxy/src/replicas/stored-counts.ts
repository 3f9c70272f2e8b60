// The stored counts (`artifacts`, `bytes`) of a replica sharing an index are the whole cache's, read from that index:
// each replica stores only part of the cache and evicts what any replica stored, so its own tally would mean
// nothing, and the operator reads a cache's stats from whichever pod answers. Read when the stats are asked for (at
// most once per `maxAgeMs`), on a timer for the metrics, and taken from every shared retention pass (which reads the
// same view anyway); between reads this replica's own additions and evictions move the figures as on a lone replica.
import type { Catalog } from '../index/catalog.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import { UsageIndex } from '../retention/usage.ts';

export interface SharedStoredCountsOptions {
  catalog: Catalog;
  /** Every project of this proxy: one the index holds nothing of shows 0. */
  projects: readonly string[];
  metrics: Pick<ProxyMetrics, 'setStored' | 'storedScope'>;
  /** Figures this fresh are not read again for a stats request; default 5 s. */
  maxAgeMs?: number;
  /** How often they are read for the metrics without a stats request; default 60 s. */
  intervalMs?: number;
  /** The index did not answer: the last figures stay. */
  onError?: (err: Error) => void;
  now?: () => number;
}

export class SharedStoredCounts {
  private readonly now: () => number;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SharedStoredCountsOptions) {
    this.now = opts.now ?? Date.now;
    opts.metrics.storedScope = 'cache';
  }

  /** Takes the figures of a view of the whole shared index (a retention pass's). */
  set(view: UsageIndex): void {
    for (const p of this.opts.projects) this.opts.metrics.setStored(p, view.count(p), view.bytes(p));
    this.readAt = this.now();
  }

  /** Reads the shared index unless the figures are fresh; never rejects (failures go to onError). */
  refresh(): Promise<void> {
    if (this.now() - this.readAt < (this.opts.maxAgeMs ?? 5_000)) return Promise.resolve();
    // Concurrent requests share one read: each is a scan of the whole index.
    this.reading ??= UsageIndex.load(this.opts.catalog)
      .then((view) => this.set(view), (err: Error) => this.opts.onError?.(err))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.opts.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
