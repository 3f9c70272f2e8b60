// One upstream fetch across replicas. The in-process single-flight (blobs.ts' fills, manifests.ts' fetches) makes
// one fetch per replica; inside it, a fill claims the cluster-wide lease on what it is about to fetch before it asks
// the upstream — a decorator around the single-flight, as distribution's proxy wraps its local store. The replica
// that gets the lease fetches, stores and indexes as it always did; the others wait, looking at the shared index and
// store, and serve from the store once the content is there (never the filler's unverified bytes). A lease that ends
// without the content (the filler failed, or died and its lease ran out) is taken by the next one to look.
// Without a shared index there is nothing to coordinate: LOCAL_FILLS claims at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Leases } from '../replicas/lease.ts';
import { COORDINATION_PREFIX } from '../replicas/redis.ts';

export type FillKind = 'manifest' | 'blob';

/** Held for a whole fill: released once the content is stored and indexed, or the fill failed. */
export interface FillClaim {
  release(): Promise<void>;
}

export interface FillLeases {
  /** Whether other replicas fill through these leases too (then content is best fetched by digest, under a lease). */
  readonly shared: boolean;
  /**
   * Waits until this replica may fetch what the catalog key `key` names. Resolves with a claim to hold for the whole
   * fill, or with undefined once `stored()` finds that another replica stored and indexed it. Never rejects: when
   * the coordination itself fails, the replica fetches on its own (a second fetch beats a failed pull).
   */
  claim(key: string, what: { project: string; kind: FillKind }, stored: () => Promise<boolean>): Promise<FillClaim | undefined>;
}

const NO_LEASE: FillClaim = { release: async () => undefined };

/** One replica alone: every fill may start at once. */
export const LOCAL_FILLS: FillLeases = { shared: false, claim: async () => NO_LEASE };

/** What waiting for another replica came to: its content stored, or its lease gone without it and taken over. */
export type WaitOutcome = 'stored' | 'takeover';

export interface FillLeaseObserver {
  waited(project: string, kind: FillKind, outcome: WaitOutcome, ms: number): void;
  /** The lease service failed; the fill went ahead without a lease. */
  unavailable(project: string, kind: FillKind, err: Error): void;
}

export interface SharedFillLeasesOptions {
  leases: Leases;
  observer?: FillLeaseObserver;
  /** First pause between looks while another replica fills; doubles up to `maxPollMs`. Default 50 ms. */
  minPollMs?: number;
  /** Default 500 ms. */
  maxPollMs?: number;
  now?: () => number;
}

export class SharedFillLeases implements FillLeases {
  readonly shared = true;
  private readonly now: () => number;

  constructor(private readonly opts: SharedFillLeasesOptions) {
    this.now = opts.now ?? Date.now;
  }

  async claim(key: string, what: { project: string; kind: FillKind }, stored: () => Promise<boolean>): Promise<FillClaim | undefined> {
    const { leases, observer } = this.opts;
    const leaseKey = `${COORDINATION_PREFIX}fill:${key}`;
    const isStored = () => stored().catch(() => false);
    let waitingSince: number | undefined;
    let pause = this.opts.minPollMs ?? 50;
    for (;;) {
      let lease;
      try {
        lease = await leases.tryAcquire(leaseKey);
      } catch (err) {
        observer?.unavailable(what.project, what.kind, err as Error);
        return NO_LEASE;
      }
      if (lease) {
        // Another replica may have stored it between the caller's look at the store and this lease: look once more,
        // or a fill that ended a moment ago would be fetched again.
        if (await isStored()) {
          await lease.release().catch(() => undefined);
          if (waitingSince !== undefined) observer?.waited(what.project, what.kind, 'stored', this.now() - waitingSince);
          return undefined;
        }
        if (waitingSince !== undefined) observer?.waited(what.project, what.kind, 'takeover', this.now() - waitingSince);
        return lease;
      }
      waitingSince ??= this.now();
      if (await isStored()) {
        observer?.waited(what.project, what.kind, 'stored', this.now() - waitingSince);
        return undefined;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, this.opts.maxPollMs ?? 500);
    }
  }
}
