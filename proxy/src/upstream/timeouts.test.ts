import assert from 'node:assert/strict';
import { DEFAULT_UPSTREAM_TIMEOUTS, resolveUpstreamTimeouts } from './timeouts.ts';

describe('resolveUpstreamTimeouts', () => {
  it('gives the defaults for what is not configured', () => {
    assert.deepEqual(resolveUpstreamTimeouts(), DEFAULT_UPSTREAM_TIMEOUTS);
    assert.deepEqual(resolveUpstreamTimeouts({ headers: '2s', deadline: '1m' }), { ...DEFAULT_UPSTREAM_TIMEOUTS, headersMs: 2_000, deadlineMs: 60_000 });
  });
  it('bounds a stalled upstream far below the 124 s of before: the deadline covers every attempt', () => {
    assert.ok(DEFAULT_UPSTREAM_TIMEOUTS.deadlineMs < 124_000 / 2);
    assert.ok(DEFAULT_UPSTREAM_TIMEOUTS.headersMs < DEFAULT_UPSTREAM_TIMEOUTS.deadlineMs, 'more than one attempt fits');
  });
});
