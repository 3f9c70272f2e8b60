// Issue 12's targets, checked against a run's figures. A target whose figures were not measured is not met; a row
// that only reports a figure (RSS at 64 clients, the hot-memory cache) has no verdict.
import type { BenchResults, CachePeerName, WarmBlobFigures } from './results.ts';

export interface TargetCheck {
  target: string;
  /** The measured figure, in words. */
  figure: string;
  /** The figure the bound is checked against, in `unit`; undefined when not measured. */
  value: number | undefined;
  unit: string;
  /** undefined: not measured; 'figure': a figure reported beside the targets, with no bound to meet. */
  met: boolean | undefined | 'figure';
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

export const showFigure = (value: number | undefined, unit = '×') => (value === undefined ? 'not measured' : `${value.toFixed(2)}${unit}`);

/** A target checked against `value`, its figure shown with `unit`. */
function check(target: string, value: number | undefined, met: TargetCheck['met'], unit = '×'): TargetCheck {
  return { target, figure: showFigure(value, unit), value, unit, met };
}

/** "100 MB", "1 GB", "10 MB". */
export function layerName(bytes: number): string {
  return bytes >= 1e9 ? `${+(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

const mbps = (layer: WarmBlobFigures, peer: CachePeerName, clients: string) => layer.peers[peer]?.[clients]?.megabytesPerSecond;

function warmBlobChecks(r: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const layer of r.warmBlob.filter((l) => !l.hotMemory)) {
    for (const clients of ['16', '64']) {
      const name = `warm blob, ${layerName(layer.layerBytes)} layer, ${clients} clients`;
      const vsDistribution = ratio(mbps(layer, 'berth', clients), mbps(layer, 'distribution', clients));
      const vsNginx = ratio(mbps(layer, 'berth', clients), mbps(layer, 'nginx', clients));
      checks.push(check(`${name} ≥ 1.0 × distribution`, vsDistribution, atLeast(vsDistribution, 1)));
      checks.push(check(`${name} ≥ 0.8 × nginx`, vsNginx, atLeast(vsNginx, 0.8)));
    }
  }
  const largest = r.warmBlob.filter((l) => !l.hotMemory).at(-1);
  const rss = (clients: string) => {
    const bytes = largest?.peers.berth?.[clients]?.load.peakRssBytes;
    return bytes === undefined ? undefined : bytes / MiB;
  };
  const size = largest ? layerName(largest.layerBytes) : '1 GB';
  checks.push(check(`Berth's peak RSS, 16 clients on a warm ${size} layer ≤ 150 MiB`, rss('16'), atMost(rss('16'), 150), ' MiB'));
  checks.push(check(`Berth's peak RSS, 64 clients on a warm ${size} layer`, rss('64'), 'figure', ' MiB'));
  const hot = r.warmBlob.find((l) => l.hotMemory);
  if (hot) {
    const vsNginx = ratio(mbps(hot, 'berth', '16'), mbps(hot, 'nginx', '16'));
    checks.push(check(`the hot-memory cache: warm ${layerName(hot.layerBytes)} layer, 16 clients, Berth / nginx`, vsNginx, 'figure'));
  }
  return checks;
}

export function checkTargets(r: BenchResults): TargetCheck[] {
  const checks = warmBlobChecks(r);
  for (const client of ['skopeo', 'containerd'] as const) {
    const cold = ratio(r.coldPull.berth?.[client].seconds, r.coldPull.direct?.[client].seconds);
    checks.push(check(`cold pull of the 200 MB image (${client}) ≤ 1.2 × direct`, cold, atMost(cold, 1.2)));
  }
  for (const ref of ['tag', 'digest'] as const) {
    const berth = r.manifest.berth?.[ref];
    const rps = ratio(berth?.requestsPerSecond, r.manifest.nginx?.[ref].requestsPerSecond);
    const p99 = berth ? `, p99 ${berth.p99Ms.toFixed(1)} ms` : '';
    const manifest = check(`manifest by ${ref}, 64 clients ≥ 0.3 × nginx req/s`, rps, atLeast(rps, 0.3));
    checks.push({ ...manifest, figure: `${manifest.figure}${p99}` });
  }
  const cp = r.concurrentPulls;
  const pulls = cp ? `${cp.pulls} concurrent cold pulls of a ${layerName(cp.blobBytes)} layer` : '50 concurrent cold pulls of a 1 GB layer';
  const gets = cp?.upstreamGets;
  checks.push({ target: `${pulls}: 1 upstream GET`, figure: gets === undefined ? 'not measured' : `${gets} GET(s)`, value: gets, unit: ' GET(s)', met: gets === undefined ? undefined : gets === 1 });
  const coldOverWarm = ratio(cp?.cold.seconds, cp?.warm.seconds);
  checks.push(check(`${pulls}: wall time ≤ 1.1 × the same pulls warm`, coldOverWarm, atMost(coldOverWarm, 1.1)));
  const k = r.kubeletPull;
  const warm = ratio(k?.warm, k?.direct);
  const cold = ratio(k?.cold, k?.direct);
  checks.push(check('kubelet pulling the 200 MB image through Berth, warm ≤ 1.1 × direct', warm, atMost(warm, 1.1)));
  checks.push(check('kubelet pulling the 200 MB image through Berth, cold ≤ 1.3 × direct', cold, atMost(cold, 1.3)));
  if (k?.distribution) {
    // Not a target: what the Go reference gets on the same node in the same rounds, to read Berth's cold figure by.
    const reference = ratio(k.distribution.cold, k.direct);
    checks.push(check('kubelet pulling the 200 MB image through distribution (the reference), cold / direct', reference, 'figure'));
  }
  return checks;
}
