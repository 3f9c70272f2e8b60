// Percentiles of repeated measurements (nearest-rank): the median of a few cold pulls is steadier than one pull
// on a shared machine, and nearest-rank never invents a value that was not measured.

/** The p-th percentile (0 < p ≤ 100) of the values by the nearest-rank method; throws on an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is not in (0, 100]`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
