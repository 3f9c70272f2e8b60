import assert from 'node:assert/strict';
import { judgeGrowth, slopePerMinute, type Sample } from './growth.ts';

const rule = { absolute: 8, relative: 0.05, slopePerMinute: 2 };
/** One sample every 5 s for 6 minutes. */
const series = (value: (t: number) => number): Sample[] => Array.from({ length: 72 }, (_, i) => ({ t: i * 5, value: value(i * 5) }));

describe('growth verdict', () => {
  it('computes the least-squares slope per minute', () => {
    assert.equal(slopePerMinute(series((t) => 100 + t / 10)), 6);
    assert.equal(slopePerMinute([{ t: 0, value: 5 }]), 0);
  });

  it('passes a flat curve with GC noise and a warm-up climb', () => {
    const v = judgeGrowth('RSS', 'MiB', series((t) => (t < 120 ? 60 + t / 2 : 120) + ((t / 5) % 3) * 4), rule);
    assert.equal(v.ok, true, v.reason);
    assert.equal(v.growth, 0);
  });

  it('fails a steady leak, by the median and by the slope', () => {
    const v = judgeGrowth('RSS', 'MiB', series((t) => 100 + t / 6), rule);
    assert.equal(v.ok, false);
    assert.ok(v.slopePerMinute > 9.9 && v.slopePerMinute < 10.1, String(v.slopePerMinute));
    assert.match(v.reason, /median grew past its tolerance and it kept climbing/);
  });

  it('allows the larger of the absolute and relative tolerance', () => {
    const v = judgeGrowth('RSS', 'MiB', series((t) => (t < 240 ? 400 : 415)), { ...rule, slopePerMinute: 100 });
    assert.equal(v.allowedGrowth, 20);
    assert.equal(v.ok, true, v.reason);
  });

  it('refuses to judge from too few samples', () => {
    const v = judgeGrowth('fds', 'fds', series(() => 40).slice(0, 5), rule);
    assert.equal(v.ok, false);
    assert.match(v.reason, /too few to judge/);
  });
});
