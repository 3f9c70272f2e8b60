import assert from 'node:assert/strict';
import { mergeConditions, sameConditions } from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('conditions', () => {
  it('keeps lastTransitionTime while the status holds, and moves it when the status changes', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'a' }], 1, t0);
    const same = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'Other', message: 'b' }], 2, t1);
    assert.equal(same[0]?.lastTransitionTime, t0.toISOString());
    assert.equal(same[0]?.observedGeneration, 2);
    const flipped = mergeConditions(same, [{ type: 'Ready', status: 'True', reason: 'Available', message: 'c' }], 2, t1);
    assert.equal(flipped[0]?.lastTransitionTime, t1.toISOString());
  });

  it('keeps conditions of other types', () => {
    const prev = mergeConditions(undefined, [{ type: 'X', status: 'True', reason: 'r', message: 'm' }], 1, t0);
    const next = mergeConditions(prev, [{ type: 'Ready', status: 'True', reason: 'r', message: 'm' }], 1, t1);
    assert.deepEqual(next.map((c) => c.type), ['Ready', 'X']);
  });

  it('compares lists without their times', () => {
    const a = mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'r', message: 'm' }], 1, t0);
    const b = mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'r', message: 'm' }], 1, t1);
    assert.ok(sameConditions(a, b));
    assert.ok(!sameConditions(a, mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'r', message: 'm' }], 1, t1)));
  });
});
