// The markdown a run prints and writes to bench/results/latest.md: figures per measure, the ratios that matter
// (Berth / distribution, Berth / nginx, Berth / direct) and issue 7's targets.
import type { BenchResults, CachePeerName, PullPeerName, RateFigures } from './results.ts';
import { checkTargets } from './targets.ts';

const MB = 1e6;
const MiB = 1024 * 1024;

/** Three significant-ish digits: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23". */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toString();
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatRatio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function rate(f: RateFigures | undefined): string {
  return f ? `${formatNumber(f.requestsPerSecond)} (${formatNumber(f.p50Ms)} / ${formatNumber(f.p99Ms)})` : '—';
}

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  const cache: CachePeerName[] = ['berth', 'distribution', 'nginx'];
  const pull: PullPeerName[] = ['direct', 'berth', 'distribution'];
  const parts: string[] = [];
  parts.push(`## Bench ${r.date.slice(0, 10)}${r.quick ? ' (quick run: small sizes, not a record)' : ''}`);
  parts.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; ` +
      `run took ${Math.round(r.seconds)} s. Shared machine: compare the ratios, absolute figures drift.`,
  );

  const blobClients = Object.keys(r.warmBlob.berth ?? r.warmBlob.nginx ?? r.warmBlob.distribution ?? {});
  parts.push('### Warm blob GET (10 MB layer), MB/s');
  parts.push(
    table(
      ['clients', 'Berth', 'distribution', 'nginx', 'Berth / distribution', 'Berth / nginx'],
      blobClients.map((c) => {
        const [b, d, n] = cache.map((p) => r.warmBlob[p]?.[c]);
        return [c, formatNumber(b), formatNumber(d), formatNumber(n), formatRatio(b, d), formatRatio(b, n)];
      }),
    ),
  );

  parts.push('### Warm manifest GET, 64 clients: requests/s (p50 / p99 ms)');
  parts.push(
    table(
      ['by', 'Berth', 'distribution', 'nginx', 'Berth / distribution', 'Berth / nginx'],
      (['tag', 'digest'] as const).map((ref) => {
        const [b, d, n] = cache.map((p) => r.manifest[p]?.[ref]);
        return [ref, rate(b), rate(d), rate(n), formatRatio(b?.requestsPerSecond, d?.requestsPerSecond), formatRatio(b?.requestsPerSecond, n?.requestsPerSecond)];
      }),
    ),
  );

  parts.push('### Cold pull of the 200 MB image, seconds (fresh cache per pull)');
  parts.push(
    table(
      ['client', 'direct', 'Berth', 'distribution', 'Berth / direct', 'Berth / distribution'],
      (['skopeo', 'containerd'] as const).map((client) => {
        const [up, b, d] = pull.map((p) => r.coldPull[p]?.[client]);
        return [client, formatNumber(up), formatNumber(b), formatNumber(d), formatRatio(b, up), formatRatio(b, d)];
      }),
    ),
  );

  const cp = r.concurrentPulls;
  const pulls = cp.berth?.pulls ?? cp.distribution?.pulls ?? cp.direct?.pulls ?? 20;
  parts.push(`### ${pulls} concurrent cold pulls of the 200 MB image (skopeo)`);
  const mb = (p: PullPeerName) => (cp[p] ? cp[p].bytes / MB : undefined);
  parts.push(
    table(
      ['', 'direct', 'Berth', 'distribution', 'Berth / distribution'],
      [
        ['wall time, s', ...pull.map((p) => formatNumber(cp[p]?.seconds)), formatRatio(cp.berth?.seconds, cp.distribution?.seconds)],
        ['fetched from upstream, MB', ...pull.map((p) => formatNumber(mb(p))), formatRatio(mb('berth'), mb('distribution'))],
        ['most fetches of one blob', ...pull.map((p) => cp[p]?.maxFetchesPerBlob.toString() ?? '—'), ''],
        ['failed pulls', ...pull.map((p) => (cp[p] ? `${cp[p].failedPulls}` : '—')), ''],
      ],
    ),
  );

  for (const p of pull) {
    const error = cp[p]?.firstError;
    if (error) parts.push(`First failed pull through ${p}: \`${error.slice(0, 300)}\``);
  }

  const rss = r.peakRss;
  parts.push('### Berth memory while streaming one blob to many clients (cold)');
  parts.push(
    table(
      ['clients (complete)', 'blob, MB', 'streamed, GB', 'wall time, s', 'RSS idle, MiB', 'peak RSS, MiB'],
      rss
        ? [
            [
              `${rss.clients} (${rss.completeClients})`,
              formatNumber(rss.blobBytes / MB),
              formatNumber(rss.streamedBytes / 1e9),
              formatNumber(rss.seconds),
              formatNumber(rss.idleRssBytes / MiB),
              formatNumber(rss.peakRssBytes / MiB),
            ],
          ]
        : [['—', '—', '—', '—', '—', '—']],
    ),
  );

  parts.push('### Targets (issue 7)');
  parts.push(
    table(
      ['target', 'measured', 'met'],
      checkTargets(r).map((t) => [t.target, t.figure, t.met === undefined ? 'not measured' : t.met ? 'yes' : 'no']),
    ),
  );
  if (r.failures.length > 0) {
    parts.push('### Failed measures');
    parts.push(r.failures.map((f) => `- ${f}`).join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}
