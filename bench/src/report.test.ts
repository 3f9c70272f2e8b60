import assert from 'node:assert/strict';
import type { LoadFigures } from './procfs/load-watch.ts';
import { formatNumber, formatRatio, renderReport, table } from './report.ts';
import type { BenchResults } from './results.ts';
import { checkTargets } from './targets.ts';

const MiB = 1024 * 1024;
const load = (more: Partial<LoadFigures> = {}): LoadFigures => ({
  seconds: 5,
  cpus: 2,
  serverCores: 0.5,
  busiestThreadCores: 0.4,
  diskReadBytes: 0,
  peakRssBytes: 100 * MiB,
  clientCores: 0.3,
  machineCores: 1,
  iowaitCores: 0,
  softirqCores: 0.05,
  benchCores: 0.02,
  ...more,
});
const blob = (megabytesPerSecond: number, more: Partial<LoadFigures> = {}) => ({ megabytesPerSecond, load: load(more) });

const results: BenchResults = {
  date: '2026-11-23T00:00:00.000Z',
  machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, kernel: '6.1.0', node: 'v24.0.0' },
  quick: false,
  seconds: 321,
  loadSeconds: 5,
  warmBlob: [
    { layerBytes: 10e6, hotMemory: true, peers: { berth: { '16': blob(3000) }, nginx: { '16': blob(2500) } } },
    {
      layerBytes: 100e6,
      hotMemory: false,
      peers: {
        berth: { '16': blob(700, { serverCores: 1.05, busiestThreadCores: 0.98 }), '64': blob(650) },
        distribution: { '16': blob(1100), '64': blob(1000) },
        nginx: { '16': blob(1400, { serverCores: 1.3, machineCores: 1.95, clientCores: 0.6 }), '64': blob(1300) },
      },
    },
    {
      layerBytes: 1e9,
      hotMemory: false,
      peers: {
        berth: { '16': blob(1200, { peakRssBytes: 140 * MiB }), '64': blob(1100, { peakRssBytes: 180 * MiB }) },
        distribution: { '16': blob(1000), '64': blob(1000) },
        nginx: { '16': blob(1400), '64': blob(1300) },
      },
    },
  ],
  manifest: {
    berth: { tag: { requestsPerSecond: 9000, p50Ms: 3, p99Ms: 8, load: load() }, digest: { requestsPerSecond: 10000, p50Ms: 2, p99Ms: 12 } },
    nginx: { tag: { requestsPerSecond: 30000, p50Ms: 1, p99Ms: 2 }, digest: { requestsPerSecond: 30000, p50Ms: 1, p99Ms: 2 } },
  },
  coldPull: {
    direct: { skopeo: { seconds: 2, load: load() }, containerd: { seconds: 4, load: load() } },
    berth: { skopeo: { seconds: 2.1, load: load() }, containerd: { seconds: 5, load: load() } },
  },
  concurrentPulls: { pulls: 50, blobBytes: 1e9, upstreamGets: 1, cold: load({ seconds: 60, peakRssBytes: 120 * MiB }), warm: load({ seconds: 50 }) },
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

  it('leads with the target layers and puts the hot-memory layer last, under its own title', () => {
    const md = renderReport(results);
    assert.match(md, /^## Bench 2026-11-23\n/);
    const order = ['### Warm blob GET, 100 MB layer', '### Warm blob GET, 1 GB layer', '### What the hot-memory cache adds for small layers: warm blob GET, 10 MB layer'];
    const at = order.map((title) => md.indexOf(title));
    assert.ok(at.every((i) => i > 0) && at[0]! < at[1]! && at[1]! < at[2]!, JSON.stringify(at));
    assert.match(md, /\| 16 \| 700 \| 1100 \| 1400 \| 0.64× \| 0.50× \|/);
    assert.match(md, /\| 16 \| 3000 \| — \| 2500 \| — \| 1.20× \|/);
  });

  it('says beside each table what limited each load, from the measured CPU', () => {
    const md = renderReport(results);
    assert.match(md, /\| Berth \| 16 \| CPU: one Berth thread at 0.98 core \| 1.05 \(0.98\) \| 0.30 \| 0.00 \| 100 \|/);
    assert.match(md, /\| nginx \| 16 \| CPU: all 2 cores busy \(nginx 1.30, wrk 0.60, softirq 0.05, bench 0.02, other 0.00\) \|/);
    assert.match(md, /\| cold \| no CPU saturated \(Berth 0.50, curl 0.30, softirq 0.05, bench 0.02, other 0.13\): loopback and round trips \|/);
  });

  it('names the commit measured in the header, when the run recorded one', () => {
    assert.match(renderReport({ ...results, commit: '0123456789ab' }), /\n\nCommit 0123456789ab\. Machine: 2 × Test CPU/);
    assert.match(renderReport(results), /\n\nMachine: 2 × Test CPU/);
  });

  it('puts the manifest, cold pull and concurrent pull figures in the report', () => {
    const md = renderReport(results);
    assert.match(md, /\| tag \| 9000 \(3.00 \/ 8.00\) \| — \| 30000 \(1.00 \/ 2.00\) \| — \| 0.30× \|/);
    assert.match(md, /\| skopeo \| 2.00 \| 2.10 \| — \| 1.05× \| — \|/);
    assert.match(md, /### 50 concurrent pulls of a 1 GB layer through Berth/);
    assert.match(md, /\| wall time, s \| 60.0 \| 50.0 \| 1.20× \|/);
    assert.match(md, /\| upstream GETs of the layer \| 1 \| — \| {2}\|/);
    assert.match(md, /Not measured in this run \(a quick run leaves it out unless `--only kubelet`/);
  });

  it("checks issue 12's targets, at 16 and 64 clients on each target layer", () => {
    const md = renderReport(results);
    assert.match(md, /### Targets \(issue 12\)/);
    assert.match(md, /\| warm blob, 100 MB layer, 16 clients ≥ 1.0 × distribution \| 0.64× \| no \|/);
    assert.match(md, /\| warm blob, 1 GB layer, 64 clients ≥ 0.8 × nginx \| 0.85× \| yes \|/);
    assert.match(md, /\| Berth's peak RSS, 16 clients on a warm 1 GB layer ≤ 150 MiB \| 140.00 MiB \| yes \|/);
    assert.match(md, /\| Berth's peak RSS, 64 clients on a warm 1 GB layer \| 180.00 MiB \| figure only \|/);
    assert.match(md, /\| the hot-memory cache: warm 10 MB layer, 16 clients, Berth \/ nginx \| 1.20× \| figure only \|/);
    assert.match(md, /\| cold pull of the 200 MB image \(containerd\) ≤ 1.2 × direct \| 1.25× \| no \|/);
    assert.match(md, /\| manifest by digest, 64 clients ≥ 0.3 × nginx req\/s \| 0.33×, p99 12.0 ms \| yes \|/);
    assert.match(md, /\| 50 concurrent cold pulls of a 1 GB layer: 1 upstream GET \| 1 GET\(s\) \| yes \|/);
    assert.match(md, /\| 50 concurrent cold pulls of a 1 GB layer: wall time ≤ 1.1 × the same pulls warm \| 1.20× \| no \|/);
    assert.equal(checkTargets(results).filter((t) => t.target.startsWith('warm blob')).length, 8);
  });

  it('says "not measured" for a target whose figures are missing, and lists failed measures', () => {
    const md = renderReport({ ...results, concurrentPulls: undefined, failures: ['concurrent pulls: connection reset'] });
    assert.match(md, /\| 50 concurrent cold pulls of a 1 GB layer: 1 upstream GET \| not measured \| not measured \|/);
    assert.match(md, /\| kubelet pulling the 200 MB image through Berth, cold ≤ 1.3 × direct \| not measured \| not measured \|/);
    assert.match(md, /### Failed measures\n\n- concurrent pulls: connection reset\n/);
  });

  it('gives the bare Node server\'s manifest load as the machine check, with Berth\'s share of it', () => {
    const md = renderReport({ ...results, manifestBareNode: { requestsPerSecond: 40000, p50Ms: 1, p99Ms: 4 } });
    assert.match(md, /Machine check: a bare Node server .* made 40000 \(1\.00 \/ 4\.00\) under the same load; Berth by digest made 0\.25× of it\./);
    assert.doesNotMatch(renderReport(results), /Machine check/);
  });

  it('shows the kubelet figures when measured', () => {
    const md = renderReport({ ...results, kubeletPull: { imageBytes: 200e6, runs: 3, direct: 2, cold: 2.4, warm: 2.1 } });
    assert.match(md, /\| Berth \| 2.00 \| 2.40 \| 2.10 \| 1.20× \| 1.05× \|/);
    assert.doesNotMatch(md, /\| distribution \| 2.00 \|/);
    assert.match(md, /\| kubelet pulling the 200 MB image through Berth, warm ≤ 1.1 × direct \| 1.05× \| yes \|/);
  });

  it('puts distribution\'s kubelet pulls beside Berth\'s, against the same direct pull', () => {
    const kubeletPull = { imageBytes: 200e6, runs: 3, direct: 2, cold: 2.4, warm: 2.1, distribution: { cold: 2.8, warm: 2.0 } };
    const md = renderReport({ ...results, kubeletPull });
    assert.match(md, /\| Berth \| 2.00 \| 2.40 \| 2.10 \| 1.20× \| 1.05× \|\n\| distribution \| 2.00 \| 2.80 \| 2.00 \| 1.40× \| 1.00× \|/);
    // the targets stay Berth's; distribution's figure is given beside them, with no verdict
    assert.match(md, /\| kubelet pulling the 200 MB image through Berth, cold ≤ 1.3 × direct \| 1.20× \| yes \|/);
    assert.match(md, /\| kubelet pulling the 200 MB image through distribution \(the reference\), cold \/ direct \| 1.40× \| figure only \|/);
  });

  it('puts the store on S3 beside the store on a volume, with the object store\'s CPU in its own column', () => {
    const row = (peer: 'berth' | 'distribution', store: 'volume' | 's3' | 's3-redirect', coldSeconds: number, warmMegabytesPerSecond: number) => ({
      peer, store, coldSeconds, warmMegabytesPerSecond, cold: load(), warm: load(),
      ...(store === 'volume' ? {} : { storeCores: { cold: 0.2, warm: 0.5 } }),
    });
    const md = renderReport({
      ...results,
      storage: { imageBytes: 200e6, layerBytes: 50e6, clients: 16, rows: [row('berth', 'volume', 2, 1000), row('berth', 's3', 2.5, 800), row('distribution', 's3-redirect', 3, 400)] },
    });
    assert.match(md, /### Where the store lives/);
    assert.match(md, /\| Berth \| volume \| 2.00 \| 1000 \| 1.00× \| 1.00× \| — \|/);
    assert.match(md, /\| Berth \| S3, streamed through the cache \| 2.50 \| 800 \| 1.25× \| 0.80× \| 0.20 \/ 0.50 \|/);
    assert.match(md, /\| distribution \| S3, clients redirected to presigned URLs \| 3.00 \| 400 \| 1.50× \| 0.40× \| 0.20 \/ 0.50 \|/);
  });

  it('says what a quick run shrank', () => {
    const md = renderReport({ ...results, quick: true, quickNote: 'one 50 MB layer' });
    assert.match(md, /^## Bench 2026-11-23 \(quick run: not a record\)\n\nQuick run: one 50 MB layer\.\n/);
  });
});
