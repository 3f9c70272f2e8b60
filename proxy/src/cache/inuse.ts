// Which stored digests are being read or written right now. The pull-through takes a lease for every download and
// every stream it serves from the store; retention never evicts a digest that holds one (issue 3: "eviction never
// races a pull in progress"). Replicas sharing a store also mark them in the shared index (a mirror,
// replicas/inuse-marks.ts), so that whichever replica runs retention leaves them alone too.
export interface InUseMirror {
  /** `digest` became busy here (its first lease). */
  marked(digest: string): void;
  /** `digest` is no longer busy here (its last lease ended). */
  unmarked(digest: string): void;
}

export class InUse {
  private readonly counts = new Map<string, number>();

  constructor(private readonly mirror?: InUseMirror) {}

  /** Marks `digest` busy until the returned release is called (calling it twice is harmless). */
  acquire(digest: string): () => void {
    const count = (this.counts.get(digest) ?? 0) + 1;
    this.counts.set(digest, count);
    if (count === 1) this.mirror?.marked(digest);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(digest) ?? 1) - 1;
      if (left > 0) this.counts.set(digest, left);
      else {
        this.counts.delete(digest);
        this.mirror?.unmarked(digest);
      }
    };
  }

  /**
   * Marks `digest` busy for `ms` from now, when no release can be called by a caller: a redirected client reads the
   * object itself, at any moment while its presigned URL is valid. The timer does not keep the process alive.
   */
  holdFor(digest: string, ms: number): void {
    setTimeout(this.acquire(digest), ms).unref();
  }

  has(digest: string): boolean {
    return this.counts.has(digest);
  }

  /** Every digest busy here now. */
  digests(): IterableIterator<string> {
    return this.counts.keys();
  }
}
