// Which stored digests are being read or written right now. The pull-through takes a lease for every download and
// every stream it serves from the store; retention never evicts a digest that holds one (issue 3: "eviction never
// races a pull in progress").
export class InUse {
  private readonly counts = new Map<string, number>();

  /** Marks `digest` busy until the returned release is called (calling it twice is harmless). */
  acquire(digest: string): () => void {
    this.counts.set(digest, (this.counts.get(digest) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(digest) ?? 1) - 1;
      if (left > 0) this.counts.set(digest, left);
      else this.counts.delete(digest);
    };
  }

  has(digest: string): boolean {
    return this.counts.has(digest);
  }
}
