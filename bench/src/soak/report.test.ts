import assert from 'node:assert/strict';
import { curveRows, samplesCsv } from './report.ts';
import type { SoakSample } from './sampler.ts';

const samples: SoakSample[] = Array.from({ length: 10 }, (_, i) => ({
  t: (i + 1) * 5, rssMiB: 100 + i, fds: 40 + (i % 2), requestsPerSecond: 100 * (i + 1), unexpected: i === 7 ? 2 : 0, flaky: i < 5 ? 'up' : 'down',
}));

describe('soak report', () => {
  it('bins the curve into at most the given rows: the median RSS and fds of a bin, its mean rate, its unexpected sum', () => {
    const rows = curveRows(samples, 4);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], ['15', '101.0', '40', '200', '0', 'up']);
    assert.deepEqual(rows[1], ['30', '104.0', '41', '500', '0', 'up/down']);
    assert.deepEqual(rows[2], ['45', '107.0', '40', '800', '2', 'down']);
    assert.deepEqual(rows[3], ['50', '109.0', '41', '1000', '0', 'down']);
  });

  it('keeps every sample in the CSV', () => {
    const lines = samplesCsv(samples).trim().split('\n');
    assert.equal(lines.length, 11);
    assert.equal(lines[0], 't_s,rss_mib,fds,requests_per_s,unexpected,flaky_upstream');
    assert.equal(lines[1], '5,100.00,40,100.0,0,up');
  });
});
