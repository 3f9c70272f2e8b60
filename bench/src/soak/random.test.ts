import assert from 'node:assert/strict';
import { seededRandom } from './random.ts';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another seed', () => {
    const a = seededRandom(13);
    const b = seededRandom(13);
    const c = seededRandom(14);
    const take = (r: typeof a) => Array.from({ length: 8 }, () => r.next());
    const first = take(a);
    assert.deepEqual(take(b), first);
    assert.notDeepEqual(take(c), first);
    for (const x of first) assert.ok(x >= 0 && x < 1);
  });

  it('picks by weight and never a key of weight 0', () => {
    const r = seededRandom(1);
    const counts = { often: 0, rarely: 0, never: 0 };
    for (let i = 0; i < 10_000; i++) counts[r.weighted({ often: 9, rarely: 1, never: 0 })]++;
    assert.equal(counts.never, 0);
    assert.ok(counts.often > 8 * counts.rarely, JSON.stringify(counts));
  });

  it('refuses to pick from nothing', () => {
    const r = seededRandom(1);
    assert.throws(() => r.pick([]), /empty list/);
    assert.throws(() => r.weighted({ a: 0 }), /no positive weight/);
  });
});
