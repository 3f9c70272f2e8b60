import assert from 'node:assert/strict';
import type { ColdPullRun } from '../measures/cold-pull.ts';
import type { LoadFigures } from '../procfs/load-watch.ts';
import type { BenchResults } from '../results.ts';
import { renderAcrossRuns, targetsOverRuns } from './across-runs.ts';

/** A full run that measured only the cold pulls (skopeo) and, when given, the kubelet's. */
function run(date: string, berthSkopeo: number, kubelet?: { cold: number; distribution: number }): BenchResults {
  // The targets read the seconds only.
  const pull = (seconds: number): ColdPullRun => ({ seconds, load: {} as LoadFigures });
  return {
    date,
    commit: 'abc123',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24, kernel: '6.1.0', node: 'v24.0.0' },
    quick: false,
    seconds: 500,
    loadSeconds: 5,
    warmBlob: [],
    manifest: {},
    coldPull: { direct: { skopeo: pull(2), containerd: pull(4) }, berth: { skopeo: pull(berthSkopeo), containerd: pull(4.4) } },
    ...(kubelet ? { kubeletPull: { imageBytes: 200e6, runs: 3, direct: 2, cold: kubelet.cold, warm: 2, distribution: { cold: kubelet.distribution, warm: 2 } } } : {}),
    failures: [],
  };
}

describe('issue 12 targets over several runs', () => {
  const runs = [run('2026-12-06T10:00:00.000Z', 2.3, { cold: 2.8, distribution: 3 }), run('2026-12-06T11:00:00.000Z', 2.2), run('2026-12-06T12:00:00.000Z', 2.5, { cold: 2.4, distribution: 2.6 })];

  it('counts the runs that met each bound among those that measured it, and keeps every run\'s figure in order', () => {
    const rows = targetsOverRuns(runs);
    const skopeo = rows.find((r) => r.target.startsWith('cold pull of the 200 MB image (skopeo)'));
    assert.deepEqual(skopeo?.values.map((v) => v?.toFixed(2)), ['1.15', '1.10', '1.25']);
    assert.equal(skopeo?.met, 2);
    const kubelet = rows.find((r) => r.target.startsWith('kubelet pulling the 200 MB image through Berth, cold'));
    assert.deepEqual(kubelet?.values.map((v) => v?.toFixed(2)), ['1.40', undefined, '1.20']);
    assert.equal(kubelet?.met, 1);
    // the reference only reports a figure: no verdict to count
    assert.equal(rows.find((r) => r.target.includes('through distribution (the reference)'))?.met, undefined);
  });

  it('renders the median, the verdict count and each run, with the runs named by time and commit', () => {
    const md = renderAcrossRuns(runs);
    assert.match(md, /over 3 full runs/);
    assert.match(md, /2026-12-06 10:00 UTC \(abc123\); 2026-12-06 11:00 UTC \(abc123\)/);
    assert.match(md, /\| cold pull of the 200 MB image \(skopeo\) ≤ 1.2 × direct \| 2 of 3 \| 1.15× \| 1.15 · 1.10 · 1.25 \|/);
    assert.match(md, /\| kubelet pulling the 200 MB image through Berth, cold ≤ 1.3 × direct \| 1 of 2 \| 1.20× \| 1.40 · — · 1.20 \|/);
    assert.match(md, /through distribution \(the reference\), cold \/ direct \| figure only \| 1.30× \| 1.50 · — · 1.30 \|/);
  });
});
