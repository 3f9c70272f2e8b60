import assert from 'node:assert/strict';
import { parseWrkOutput } from './wrk-summary.ts';

describe('parseWrkOutput', () => {
  it('reads the script line among wrk text and derives rates', () => {
    const stdout = [
      'Running 2s test @ http://127.0.0.1:1/v2/x/blobs/sha256:ab',
      '  2 threads and 16 connections',
      'BERTH_WRK {"requests":400,"bytes":2000000000,"durationUs":2000000,"connectErrors":0,"readErrors":0,' +
        '"writeErrors":0,"statusErrors":3,"timeouts":1,"p50Us":1500,"p99Us":9250}',
      '',
    ].join('\n');
    const s = parseWrkOutput(stdout);
    assert.equal(s.seconds, 2);
    assert.equal(s.megabytesPerSecond, 1000);
    assert.equal(s.requestsPerSecond, 200);
    assert.equal(s.p50Ms, 1.5);
    assert.equal(s.p99Ms, 9.25);
    assert.equal(s.errors, 4);
  });

  it('fails loudly when wrk printed no report', () => {
    assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), /no report line/);
  });
});
