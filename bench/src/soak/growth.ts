// "No growth after warm-up", judged from samples of one figure (RSS, open fds): the first third of the run is the
// warm-up (caches filling, connections opening, V8 sizing its heap); the median of the last third must stay within
// a tolerance of the median of the second third, and the least-squares slope over both must stay under a limit.
// Medians ignore the GC's saw-tooth; the slope catches a steady leak too small to show between two medians.
import { median } from '../stats/percentile.ts';

export interface Sample {
  /** Seconds since the soak started. */
  t: number;
  value: number;
}

export interface GrowthRule {
  /** Allowed growth of the median, absolute (MiB, fds)… */
  absolute: number;
  /** …or relative to the second third's median, whichever is larger. */
  relative: number;
  /** Allowed least-squares slope after warm-up, per minute. */
  slopePerMinute: number;
}

export interface GrowthVerdict {
  ok: boolean;
  secondThirdMedian: number;
  lastThirdMedian: number;
  growth: number;
  allowedGrowth: number;
  slopePerMinute: number;
  allowedSlopePerMinute: number;
  /** One line: the figures and which limit was passed. */
  reason: string;
}

/** Fewer samples than this and the thirds are too thin for a median. */
export const MIN_SAMPLES = 6;

/** Least-squares slope of value over time, per minute; 0 for fewer than two distinct times. */
export function slopePerMinute(samples: readonly Sample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanT = samples.reduce((s, p) => s + p.t, 0) / n;
  const meanV = samples.reduce((s, p) => s + p.value, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of samples) {
    num += (p.t - meanT) * (p.value - meanV);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

export function judgeGrowth(what: string, unit: string, samples: readonly Sample[], rule: GrowthRule): GrowthVerdict {
  const third = Math.floor(samples.length / 3);
  const second = samples.slice(third, 2 * third).map((s) => s.value);
  const last = samples.slice(2 * third).map((s) => s.value);
  if (samples.length < MIN_SAMPLES) {
    return {
      ok: false, secondThirdMedian: NaN, lastThirdMedian: NaN, growth: NaN, allowedGrowth: NaN, slopePerMinute: NaN,
      allowedSlopePerMinute: rule.slopePerMinute,
      reason: `${what}: ${samples.length} samples are too few to judge (at least ${MIN_SAMPLES})`,
    };
  }
  const secondThirdMedian = median(second);
  const lastThirdMedian = median(last);
  const growth = lastThirdMedian - secondThirdMedian;
  const allowedGrowth = Math.max(rule.absolute, rule.relative * secondThirdMedian);
  const slope = slopePerMinute(samples.slice(third));
  const figures = `median ${fmt(secondThirdMedian)} → ${fmt(lastThirdMedian)} ${unit} (${sign(growth)} ${unit}, allowed +${fmt(allowedGrowth)}), ` +
    `slope ${sign(slope)} ${unit}/min (allowed ${fmt(rule.slopePerMinute)})`;
  const failed = [
    ...(growth > allowedGrowth ? ['the median grew past its tolerance'] : []),
    ...(slope > rule.slopePerMinute ? ['it kept climbing'] : []),
  ];
  return {
    ok: failed.length === 0,
    secondThirdMedian, lastThirdMedian, growth, allowedGrowth,
    slopePerMinute: slope, allowedSlopePerMinute: rule.slopePerMinute,
    reason: `${what}: ${figures}${failed.length ? `: ${failed.join(' and ')}` : ''}`,
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function sign(n: number): string {
  return `${n >= 0 ? '+' : ''}${fmt(n)}`;
}
