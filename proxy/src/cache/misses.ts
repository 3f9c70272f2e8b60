// Upstream 404s remembered for a short time (Artifactory's "missed retrieval cache period"): a storm of pulls for a
// missing manifest, tag, blob or repository is one upstream request per period. Only consulted when nothing is
// stored locally, so a remembered miss never hides content stored through another path.

export class Misses {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number, private readonly maxEntries = 50_000) {}

  /** Remembers a miss for `ttlMs` (nothing when 0). */
  remember(key: string, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.until.delete(key);
    if (this.until.size >= this.maxEntries) this.prune();
    this.until.set(key, this.now() + ttlMs);
  }

  /** True while a miss is remembered. */
  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  forget(key: string): void {
    this.until.delete(key);
  }

  /** Drops expired entries; when none were, the oldest (Map order is insertion order). */
  private prune(): void {
    const now = this.now();
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
    if (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
  }
}
