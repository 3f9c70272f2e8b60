import assert from 'node:assert/strict';
import { Misses } from './misses.ts';

describe('Misses', () => {
  it('remembers a miss for its TTL, then forgets it', () => {
    let now = 1_000;
    const misses = new Misses(() => now);
    misses.remember('a', 500);
    assert.equal(misses.has('a'), true);
    now += 499;
    assert.equal(misses.has('a'), true);
    now += 1;
    assert.equal(misses.has('a'), false);
  });

  it('a TTL of 0 remembers nothing', () => {
    const misses = new Misses(() => 0);
    misses.remember('a', 0);
    assert.equal(misses.has('a'), false);
  });

  it('stays bounded: the oldest entry goes first', () => {
    const misses = new Misses(() => 0, 2);
    for (const key of ['a', 'b', 'c']) misses.remember(key, 10);
    assert.deepEqual(['a', 'b', 'c'].map((k) => misses.has(k)), [false, true, true]);
  });

  it('forget drops a miss', () => {
    const misses = new Misses(() => 0);
    misses.remember('a', 10);
    misses.forget('a');
    assert.equal(misses.has('a'), false);
  });
});
