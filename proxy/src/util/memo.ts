// A small LRU of values by key, bounded by total weight (bytes): keeps hot manifests and tag records in memory so
// a warm manifest GET touches neither the index nor the disk. Map insertion order is the recency order.
export class Memo<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private total = 0;

  /** `onEvict` hears of each entry dropped to make room (not of `delete`s): a caller holding files removes them. */
  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
    private readonly onEvict?: (key: string, value: V) => void,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.maxWeight) return;
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
      this.onEvict?.(oldest, entry.value);
    }
  }

  /** The weight held now (bytes, for a memo weighed in bytes). */
  get weight(): number {
    return this.total;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }
}
