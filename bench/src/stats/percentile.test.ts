import assert from 'node:assert/strict';
import { median, percentile } from './percentile.ts';

describe('percentile', () => {
  it('takes the nearest rank, never interpolating', () => {
    const values = [15, 20, 35, 40, 50];
    assert.equal(percentile(values, 5), 15);
    assert.equal(percentile(values, 30), 20);
    assert.equal(percentile(values, 40), 20);
    assert.equal(percentile(values, 50), 35);
    assert.equal(percentile(values, 100), 50);
  });

  it('does not depend on the order of the input, nor change it', () => {
    const values = [3, 1, 2];
    assert.equal(median(values), 2);
    assert.deepEqual(values, [3, 1, 2]);
  });

  it('refuses an empty list and a percentile out of range', () => {
    assert.throws(() => percentile([], 50), /no values/);
    assert.throws(() => percentile([1], 0), /not in/);
    assert.throws(() => percentile([1], 101), /not in/);
  });
});
