import assert from 'node:assert/strict';
import { formatNumber, formatRatio, renderReport, table } from './report.ts';
import type { BenchResults } from './results.ts';

const results: BenchResults = {
  date: '2026-11-23T00:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, kernel: '6.1.0', node: 'v24.0.0' },
  quick: false,
  seconds: 321,
  warmBlob: { berth: { '1': 900, '16': 1600 }, distribution: { '1': 800, '16': 1000 }, nginx: { '1': 1000, '16': 2000 } },
  manifest: {
    berth: { tag: { requestsPerSecond: 9000, p50Ms: 3, p99Ms: 8 }, digest: { requestsPerSecond: 10000, p50Ms: 2, p99Ms: 12 } },
    nginx: { tag: { requestsPerSecond: 30000, p50Ms: 1, p99Ms: 2 }, digest: { requestsPerSecond: 30000, p50Ms: 1, p99Ms: 2 } },
  },
  coldPull: { direct: { skopeo: 2, containerd: 4 }, berth: { skopeo: 2.1, containerd: 5 } },
  concurrentPulls: {
    berth: { seconds: 10, pulls: 20, failedPulls: 0, bytes: 200e6, blobGets: 5, maxFetchesPerBlob: 1 },
    distribution: { seconds: 20, pulls: 20, failedPulls: 2, firstError: 'skopeo exit code 1', bytes: 2000e6, blobGets: 50, maxFetchesPerBlob: 10 },
  },
  peakRss: { clients: 50, completeClients: 50, streamedBytes: 100 * 1024 ** 3, blobBytes: 2 * 1024 ** 3, seconds: 60, peakRssBytes: 150 * 1024 * 1024, idleRssBytes: 60 * 1024 * 1024 },
  failures: [],
};

describe('report', () => {
  it('formats numbers to about three digits and ratios with a ×', () => {
    assert.equal(formatNumber(1234.5), '1235');
    assert.equal(formatNumber(12.345), '12.3');
    assert.equal(formatNumber(1.2345), '1.23');
    assert.equal(formatNumber(undefined), '—');
    assert.equal(formatRatio(1, 4), '0.25×');
    assert.equal(formatRatio(1, undefined), '—');
    assert.equal(formatRatio(1, 0), '—');
  });

  it('renders a markdown table with a separator row', () => {
    assert.equal(table(['a', 'b'], [['1', '2']]), '| a | b |\n| --- | --- |\n| 1 | 2 |');
  });

  it('puts the figures, the ratios and the targets in the report', () => {
    const md = renderReport(results);
    assert.match(md, /^## Bench 2026-11-23\n/);
    assert.match(md, /\| 16 \| 1600 \| 1000 \| 2000 \| 1.60× \| 0.80× \|/);
    assert.match(md, /\| tag \| 9000 \(3.00 \/ 8.00\) \| — \| 30000 \(1.00 \/ 2.00\) \| — \| 0.30× \|/);
    assert.match(md, /\| skopeo \| 2.00 \| 2.10 \| — \| 1.05× \| — \|/);
    assert.match(md, /\| fetched from upstream, MB \| — \| 200 \| 2000 \| 0.10× \|/);
    assert.match(md, /\| failed pulls \| — \| 0 \| 2 \| {2}\|/);
    assert.match(md, /First failed pull through distribution: `skopeo exit code 1`/);
    assert.match(md, /\| 50 \(50\) \| 2147 \| 107 \| 60.0 \| 60.0 \| 150 \|/);
    assert.match(md, /\| warm blob, 16 clients ≥ 0.8 × nginx \| 0.80× \| yes \|/);
    assert.match(md, /\| manifest by digest p99 < 10 ms at 64 clients \| 12.00 ms \| no \|/);
    assert.match(md, /\| cold pull \(containerd\) ≤ 1.1 × direct \| 1.25× \| no \|/);
    assert.match(md, /\| 20 concurrent cold pulls fetch each blob once \| at most 1 fetch\(es\) per blob \| yes \|/);
  });

  it('says "not measured" for a target whose figures are missing', () => {
    const md = renderReport({ ...results, peakRss: undefined, failures: ['rss on berth: connection reset'] });
    assert.match(md, /\| peak RSS < 200 MiB streaming 2 GB to 50 clients \| not measured \| not measured \|/);
    assert.match(md, /### Failed measures\n\n- rss on berth: connection reset\n/);
  });
});
