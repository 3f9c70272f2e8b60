// Issue 7's targets, checked against a run's figures. A target whose figures were not measured is not met.
import type { BenchResults } from './results.ts';

export interface TargetCheck {
  target: string;
  /** The measured figure, in words. */
  figure: string;
  met: boolean | undefined;
}

const MiB = 1024 * 1024;

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function atLeast(value: number | undefined, bound: number): boolean | undefined {
  return value === undefined ? undefined : value >= bound;
}

function atMost(value: number | undefined, bound: number): boolean | undefined {
  return value === undefined ? undefined : value <= bound;
}

const show = (value: number | undefined, unit = '×') => (value === undefined ? 'not measured' : `${value.toFixed(2)}${unit}`);

export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const blob = (peer: 'berth' | 'distribution' | 'nginx') => r.warmBlob[peer]?.['16'];
  const vsNginx = ratio(blob('berth'), blob('nginx'));
  const vsDistribution = ratio(blob('berth'), blob('distribution'));
  checks.push({ target: 'warm blob, 16 clients ≥ 0.8 × nginx', figure: show(vsNginx), met: atLeast(vsNginx, 0.8) });
  checks.push({ target: 'warm blob, 16 clients ≥ 1.0 × distribution', figure: show(vsDistribution), met: atLeast(vsDistribution, 1) });
  for (const ref of ['tag', 'digest'] as const) {
    const berth = r.manifest.berth?.[ref];
    const rps = ratio(berth?.requestsPerSecond, r.manifest.nginx?.[ref].requestsPerSecond);
    checks.push({ target: `manifest by ${ref} ≥ 0.25 × nginx req/s`, figure: show(rps), met: atLeast(rps, 0.25) });
    const p99 = berth?.p99Ms;
    checks.push({ target: `manifest by ${ref} p99 < 10 ms at 64 clients`, figure: show(p99, ' ms'), met: p99 === undefined ? undefined : p99 < 10 });
  }
  for (const client of ['skopeo', 'containerd'] as const) {
    const cold = ratio(r.coldPull.berth?.[client], r.coldPull.direct?.[client]);
    checks.push({ target: `cold pull (${client}) ≤ 1.1 × direct`, figure: show(cold), met: atMost(cold, 1.1) });
  }
  const fetches = r.concurrentPulls.berth?.maxFetchesPerBlob;
  checks.push({
    target: '20 concurrent cold pulls fetch each blob once',
    figure: fetches === undefined ? 'not measured' : `at most ${fetches} fetch(es) per blob`,
    met: fetches === undefined ? undefined : fetches === 1,
  });
  const rss = r.peakRss ? r.peakRss.peakRssBytes / MiB : undefined;
  checks.push({ target: 'peak RSS < 200 MiB streaming 2 GB to 50 clients', figure: show(rss, ' MiB'), met: rss === undefined ? undefined : rss < 200 });
  return checks;
}
