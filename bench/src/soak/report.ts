// The soak's report: the curve as a compact table (one row per stretch of the run: the median RSS and fds of its
// samples, their mean request rate), the answers by kind of pull, the verdict with its reasons, and the unexpected
// answers; and the samples as CSV.
import { median } from '../stats/percentile.ts';
import type { SoakResults } from './soak.ts';
import type { SoakSample } from './sampler.ts';

/** Rows of the printed curve at most; the CSV keeps every sample. */
export const CURVE_ROWS = 20;

export function curveRows(samples: readonly SoakSample[], rows = CURVE_ROWS): string[][] {
  const per = Math.max(1, Math.ceil(samples.length / rows));
  const out: string[][] = [];
  for (let i = 0; i < samples.length; i += per) {
    const bin = samples.slice(i, i + per);
    const last = bin[bin.length - 1]!;
    const states = [...new Set(bin.map((s) => s.flaky))].join('/');
    const rate = bin.reduce((sum, s) => sum + s.requestsPerSecond, 0) / bin.length;
    const unexpected = bin.reduce((sum, s) => sum + s.unexpected, 0);
    const rss = median(bin.map((s) => s.rssMiB));
    const fds = median(bin.map((s) => s.fds));
    out.push([String(Math.round(last.t)), rss.toFixed(1), String(fds), String(Math.round(rate)), String(unexpected), states]);
  }
  return out;
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderSoakReport(r: SoakResults): string {
  const o = r.options;
  const lines: string[] = [
    `# Soak ${r.verdict.ok ? 'PASS' : 'FAIL'}`,
    '',
    `${r.date}: ${o.clients} clients for ${Math.round(r.seconds)} s (seed ${o.seed}, think ${o.thinkMs} ms), flaky upstream down ` +
      `${o.outageForMs / 1000} s of every ${o.outageEveryMs / 1000} s (${r.outages} outages); ${r.requests} requests, ` +
      `${(r.bytes / 1e9).toFixed(2)} GB received; ${r.pushed.cold} cold and ${r.pushed.fresh} fresh images pushed meanwhile.`,
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Linux ${r.machine.kernel}, Node ${r.machine.node}; shared.`,
    '',
    '## Verdict',
    '',
    ...r.verdict.reasons.map((line) => `    ${line}`),
    '',
    `The first third of the run is the warm-up. The median of the last third is compared with the median of the ` +
      `second third (RSS: +${o.rss.absolute} MiB or +${o.rss.relative * 100} %, fds: +${o.fds.absolute} or +${o.fds.relative * 100} %, ` +
      `whichever is larger); the least-squares slope over both thirds must stay under ${o.rss.slopePerMinute} MiB/min and ${o.fds.slopePerMinute} fds/min.`,
    '',
    '## Curve',
    '',
    table(['t s', 'RSS MiB (median)', 'fds (median)', 'req/s', 'unexpected', 'flaky upstream'], curveRows(r.samples)),
    '',
    '## Answers by kind of pull',
    '',
    table(
      ['kind', 'pulls', 'failed pulls', 'requests', 'unexpected', 'expected answers'],
      Object.entries(r.kinds).sort(([a], [b]) => a.localeCompare(b)).map(([kind, t]) => [
        kind, String(t.pulls), String(t.failedPulls), String(t.requests), String(t.unexpected),
        Object.entries(t.answers).sort(([, a], [, b]) => b - a).map(([what, n]) => `${what} ×${n}`).join(', '),
      ]),
    ),
  ];
  if (r.failures.length > 0) {
    lines.push('', '## Unexpected answers', '');
    for (const group of r.failures) {
      lines.push(`- **${group.key}** ×${group.count}`);
      for (const f of group.examples) lines.push(`  - t=${f.t}s \`${f.request}\`: expected ${f.expected}, got ${f.got} (${f.why})`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function samplesCsv(samples: readonly SoakSample[]): string {
  const rows = samples.map((s) => [s.t, s.rssMiB.toFixed(2), s.fds, s.requestsPerSecond.toFixed(1), s.unexpected, s.flaky].join(','));
  return `${['t_s', 'rss_mib', 'fds', 'requests_per_s', 'unexpected', 'flaky_upstream'].join(',')}\n${rows.join('\n')}\n`;
}
