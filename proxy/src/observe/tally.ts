// The per-request figures, counted in plain maps and handed to Prometheus only when /metrics is read. prom-client
// checks and hashes the labels on every inc() and observe(): on a warm manifest GET that was the largest cost of
// Berth's own (bench, 64 clients: 15.3k → 17.7k requests/s with these three series off). Here a request costs one
// map lookup per series, and a scrape reads the same series, in prom-client's text, as before.
import type { Counter, Registry } from 'prom-client';

/** A series' key: its label values in the metric's label order (a label value never holds a NUL). */
function keyOf<L extends string>(names: readonly L[], labels: Record<L, string>): string {
  let key = '';
  for (const name of names) key += `${labels[name]}\0`;
  return key;
}

/** Increments of one labelled Counter, kept here and added to it when it is collected. */
export class CounterTally<L extends string> {
  private readonly pending = new Map<string, { labels: Record<L, string>; value: number }>();

  constructor(private readonly names: readonly L[]) {}

  inc(labels: Record<L, string>, value = 1): void {
    const key = keyOf(this.names, labels);
    const cell = this.pending.get(key);
    if (cell) cell.value += value;
    else this.pending.set(key, { labels, value });
  }

  /** Adds what was counted since the last call to `counter`: its `collect`, run before each read. */
  drainInto(counter: Counter<L>): void {
    for (const { labels, value } of this.pending.values()) counter.inc(labels, value);
    this.pending.clear();
  }
}

interface HistogramValue {
  labels: { le?: number | string };
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

interface HistogramSeries<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket (not cumulative), the last one past every bound (+Inf). */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A labelled histogram registered in a prom-client Registry as a metric of its own (the Registry reads any object
 * with a name, help, type and `get()`), read out in the shape prom-client's Histogram gives.
 */
export class HistogramTally<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries<L>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly names: readonly L[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(labels: Record<L, string>, value: number): void {
    const key = keyOf(this.names, labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** The series as prom-client's Histogram gives them for its text: `le` first, then the series' own labels. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramValue[] }> {
    const values: HistogramValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (const [i, bound] of this.bounds.entries()) {
        cumulative += s.counts[i]!;
        values.push({ labels: { le: bound }, sharedLabels: s.labels, value: cumulative, metricName: bucket });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }
}
