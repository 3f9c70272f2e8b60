// Retention: evicts what a project's policy no longer keeps. Runs periodically, and soon after a download takes a
// project past its maxSize. Never evicts:
//   - a pinned manifest (nor, through references, its children and blobs);
//   - a blob or child manifest a kept manifest still references (distribution #4191: evicting those made clients
//     that had the manifest fail with "unexpected EOF");
//   - a digest being downloaded or streamed right now (InUse leases).
// Order of an eviction: forget the record in memory, remove the catalog record, then unlink the file once no
// record of any project needs it. A request that loses the race finds no record or no file and fetches again.
// Tag records that pointed at an evicted manifest are removed after the pass, so the index keeps no dangling tags.
// Replicas sharing a store and index (`shared`) keep one retention for the cache as a whole: one replica at a time
// runs a pass (a lock), over a view of the whole shared index instead of its own, and also leaves alone what another
// replica marked in use.
import type { Catalog } from '../index/catalog.ts';
import { blobKey } from '../index/keys.ts';
import type { BlobStore } from '../store/blobstore.ts';
import type { InUse } from '../cache/inuse.ts';
import type { Digest } from '../oci/digest.ts';
import type { Artifact, UsageIndex } from './usage.ts';

export interface RetentionPolicy {
  project: string;
  /** Evict what was not pulled for this long. */
  unusedForMs?: number | undefined;
  /** Evict least recently pulled first while the project's bytes exceed this. */
  maxSizeBytes?: number | undefined;
}

export interface EvictionObserver {
  evicted(project: string, bytes: number): void;
}

/** Retention over a store and index that several replicas share (replicas/shared-retention.ts). */
export interface SharedRetention {
  /** Runs `pass` while holding the cache-wide retention lock; undefined (not run) while another replica holds it. */
  exclusive<T>(pass: () => Promise<T>): Promise<T | undefined>;
  /** Every stored artifact of every replica, from the shared index, oldest first. */
  view(): Promise<UsageIndex>;
  /** Every digest another replica serves or fetches now, for planning a pass; rejects when that cannot be known. */
  busyElsewhereAll(): Promise<ReadonlySet<string>>;
  /** True while another replica serves or fetches `digest` (asked again just before evicting); rejects likewise. */
  busyElsewhere(digest: string): Promise<boolean>;
}

export interface EvictorOptions {
  usage: UsageIndex;
  catalog: Catalog;
  store: BlobStore;
  inUse: InUse;
  policies: readonly RetentionPolicy[];
  /** `<project>@<digest>` of pinned manifests, asked on every pass (pins resolve as tags are fetched). */
  pinned?: () => ReadonlySet<string>;
  observer?: EvictionObserver;
  onError?: (err: Error) => void;
  now?: () => number;
  /** How often a pass runs (and last-pulled times are written); default 60 s. */
  intervalMs?: number;
  /** One retention for replicas sharing the store; default: this replica's own. */
  shared?: SharedRetention;
  /** With `shared`: how long after a download a pass starts, so that a burst of downloads makes one; default 1 s. */
  sharedDelayMs?: number;
  /** With `shared`: the whole cache's view each pass saw (for the stored counts). */
  onView?: (view: UsageIndex) => void;
}

export class Evictor {
  private readonly opts: EvictorOptions;
  private readonly policies: Map<string, RetentionPolicy>;
  private readonly now: () => number;
  private running: Promise<number> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  /** With `shared`: an artifact was added since this replica's last pass began (a pass is owed for it). */
  private addedSincePass = false;
  private stopped = false;
  /** What a pass plans over: this replica's usage, or during a shared pass the whole cache's. */
  private usage: UsageIndex;
  /** During a shared pass: the digests other replicas serve, which the plan leaves out. */
  private busyElsewhere: ReadonlySet<string> = new Set();

  constructor(opts: EvictorOptions) {
    this.opts = opts;
    this.usage = opts.usage;
    this.now = opts.now ?? Date.now;
    this.policies = new Map(opts.policies.map((p) => [p.project, p]));
  }

  /**
   * A new artifact was stored for `project`: a pass starts when it took the project past its maxSize. The composition
   * root wires this to `UsageIndex.onAdd`; the evictor subscribes to nothing itself.
   */
  added(project: string): void {
    if (this.opts.shared) {
      // This replica's bytes are not the cache's: whether it is over its size only the shared view tells.
      if (this.policies.get(project)?.maxSizeBytes === undefined) return;
      this.addedSincePass = true;
      this.passSoon();
      return;
    }
    const max = this.policies.get(project)?.maxSizeBytes;
    if (max !== undefined && this.opts.usage.bytes(project) > max) void this.run().catch((err: Error) => this.opts.onError?.(err));
  }

  /** A shared pass in a moment: a burst of downloads makes one pass, not one each. */
  private passSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.run().catch((err: Error) => this.opts.onError?.(err));
    }, this.opts.sharedDelayMs ?? 1_000);
    this.soon.unref();
  }

  /** Starts the periodic passes. */
  start(): void {
    this.timer ??= setInterval(() => void this.run().catch((err: Error) => this.opts.onError?.(err)), this.opts.intervalMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops the passes, waits for one in progress, and writes the last-pulled times still pending. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.soon);
    this.soon = undefined;
    await this.running?.catch(() => undefined);
    await this.flush();
  }

  /**
   * One pass over every project with a policy; resolves with the number of artifacts evicted. Passes never overlap:
   * a call during a pass makes that pass run once more.
   */
  run(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let evicted = 0;
      try {
        do {
          this.again = false;
          await this.flush();
          if (this.opts.shared) {
            const shared = this.opts.shared;
            const done = await shared.exclusive(() => {
              this.addedSincePass = false;
              return this.sharedPasses(shared);
            });
            // Another replica's pass holds the lock, and may have read the index before this replica's additions:
            // try again in a moment rather than wait for the next periodic pass.
            if (done === undefined && this.addedSincePass) this.passSoon();
            evicted += done ?? 0;
          } else for (const policy of this.policies.values()) evicted += await this.pass(policy);
        } while (this.again);
      } finally {
        this.running = undefined;
      }
      return evicted;
    })();
    return this.running;
  }

  /** Writes batched last-pulled times to the catalog. */
  async flush(): Promise<void> {
    for (const a of this.opts.usage.takeDirty()) await this.opts.catalog.touch(a.key, a.lastPulled);
  }

  /** The passes of one replica holding the lock, over the whole cache. */
  private async sharedPasses(shared: SharedRetention): Promise<number> {
    const [view, busy] = await Promise.all([shared.view(), shared.busyElsewhereAll()]);
    let evicted = 0;
    this.usage = view;
    this.busyElsewhere = busy;
    try {
      for (const policy of this.policies.values()) evicted += await this.pass(policy);
    } finally {
      this.usage = this.opts.usage;
      this.busyElsewhere = new Set();
    }
    this.opts.onView?.(view);
    return evicted;
  }

  private async pass(policy: RetentionPolicy): Promise<number> {
    if (policy.unusedForMs === undefined && policy.maxSizeBytes === undefined) return 0;
    let evicted = 0;
    const manifests: Artifact[] = [];
    try {
      // Evicting a manifest can free what it referenced, so plan again until a round frees nothing.
      for (;;) {
        const plan = this.plan(policy);
        if (plan.length === 0) return evicted;
        let progress = false;
        for (const artifact of plan) {
          if (await this.evict(artifact)) {
            evicted++;
            progress = true;
            if (artifact.kind === 'manifest') {
              manifests.push(artifact);
              evicted += await this.evictOrphans(artifact);
            }
          }
        }
        if (!progress) return evicted;
      }
    } finally {
      if (manifests.length > 0) await this.opts.catalog.deleteTagsOf(manifests.map((m) => m.key));
    }
  }

  /** Oldest first: what is expired, then what keeps the project over its size, skipping what must stay. */
  private plan(policy: RetentionPolicy): Artifact[] {
    const { usage } = this;
    const cutoff = policy.unusedForMs === undefined ? -Infinity : this.now() - policy.unusedForMs;
    let bytes = usage.bytes(policy.project);
    const plan: Artifact[] = [];
    for (const artifact of usage.oldestFirst(policy.project)) {
      const expired = artifact.lastPulled < cutoff;
      const over = policy.maxSizeBytes !== undefined && bytes > policy.maxSizeBytes;
      // Sorted by last pull: past the first artifact that is neither expired nor needed for size, none is.
      if (!expired && !over) break;
      if (this.mustKeep(artifact)) continue;
      plan.push(artifact);
      bytes -= artifact.size + this.freedWith(artifact);
    }
    return plan;
  }

  /**
   * The blobs only this evicted manifest referenced go with it (the size plan counted them as freed): kept alone they
   * would be orphans no pull by tag can reach, holding bytes a newer image needs.
   */
  private async evictOrphans(manifest: Artifact): Promise<number> {
    let evicted = 0;
    for (const digest of new Set(manifest.references)) {
      const orphan = this.usage.get(blobKey(manifest.project, digest));
      if (orphan && !this.mustKeep(orphan) && (await this.evict(orphan))) evicted++;
    }
    return evicted;
  }

  /**
   * Bytes that become evictable once this manifest goes: what only it references (and nothing keeps). Counting
   * them stops a size pass from planning every manifest in a round — their blobs, still referenced while the plan
   * is made, would otherwise look unevictable and the pass would take the next manifest, and the next.
   */
  private freedWith(manifest: Artifact): number {
    let freed = 0;
    for (const digest of new Set(manifest.references)) {
      if (this.usage.referenceCount(manifest.project, digest) !== 1) continue;
      const child = this.usage.get(blobKey(manifest.project, digest));
      if (child && !this.opts.inUse.has(digest) && !this.busyElsewhere.has(digest) && !(this.opts.pinned?.().has(`${manifest.project}@${digest}`) ?? false)) freed += child.size;
    }
    return freed;
  }

  private mustKeep(a: Artifact): boolean {
    return this.usage.isReferenced(a.project, a.digest)
      || this.opts.inUse.has(a.digest)
      || this.busyElsewhere.has(a.digest)
      || (this.opts.pinned?.().has(`${a.project}@${a.digest}`) ?? false);
  }

  private async evict(planned: Artifact): Promise<boolean> {
    const { catalog, store, inUse, shared } = this.opts;
    const { usage } = this;
    const current = usage.get(planned.key);
    // Pulled again, or newly referenced or leased, since the plan was made: it stays.
    if (!current || current.lastPulled !== planned.lastPulled || this.mustKeep(current)) return false;
    // Served by another replica (or that cannot be known now): it stays too.
    const busyElsewhere = async () => shared !== undefined && (await shared.busyElsewhere(current.digest).catch(() => true));
    if (await busyElsewhere()) return false;
    usage.remove(current.key);
    if (usage !== this.opts.usage) this.opts.usage.remove(current.key);
    await catalog.delete(current.key);
    // Looked at again just before the file goes: a replica that began serving it meanwhile keeps it.
    if (!usage.hasOwners(current.digest) && !inUse.has(current.digest) && !(await busyElsewhere())) await store.delete(current.digest as Digest);
    this.opts.observer?.evicted(current.project, current.size);
    return true;
  }
}
