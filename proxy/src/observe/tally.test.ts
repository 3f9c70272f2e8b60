import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterTally, HistogramTally } from './tally.ts';

/** The lines of one metric in a registry's text, sorted (series order is not part of the format). */
async function linesOf(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l !== '').sort();
}

describe('metric tallies', () => {
  it('a tallied counter reads as prom-client\'s own after the same increments, and again after more', async () => {
    const theirs = new Registry();
    const direct = new Counter({ name: 'c_total', help: 'h', labelNames: ['route', 'code'], registers: [theirs] });
    const ours = new Registry();
    const tally = new CounterTally(['route', 'code'] as const);
    new Counter({ name: 'c_total', help: 'h', labelNames: ['route', 'code'], registers: [ours], collect() { tally.drainInto(this); } });
    const incs: [string, string, number][] = [['blob', '200', 1], ['blob', '200', 5], ['manifest', '404', 1], ['blob', '206', 2]];
    for (const [route, code, n] of incs) {
      direct.inc({ route, code }, n);
      tally.inc({ route, code }, n);
    }
    assert.deepEqual(await linesOf(ours), await linesOf(theirs));
    direct.inc({ route: 'blob', code: '200' });
    tally.inc({ route: 'blob', code: '200' });
    assert.deepEqual(await linesOf(ours), await linesOf(theirs));
    assert.ok((await linesOf(ours)).includes('c_total{route="blob",code="200"} 7'));
  });

  it('a histogram tally reads as prom-client\'s Histogram after the same observations (bounds, +Inf, sum, count)', async () => {
    const bounds = [0.001, 0.01, 0.1, 1];
    const theirs = new Registry();
    const direct = new Histogram({ name: 'd_seconds', help: 'h', labelNames: ['route', 'project'], buckets: bounds, registers: [theirs] });
    const ours = new Registry();
    const tally = new HistogramTally('d_seconds', 'h', ['route', 'project'] as const, bounds, ours);
    const seen: [string, string, number][] = [['manifest', 'hub', 0.0004], ['manifest', 'hub', 0.001], ['manifest', 'hub', 0.05], ['blob', '', 3], ['blob', '', 0.5]];
    for (const [route, project, v] of seen) {
      direct.observe({ route, project }, v);
      tally.observe({ route, project }, v);
    }
    const mine = await linesOf(ours);
    assert.deepEqual(mine, await linesOf(theirs));
    assert.ok(mine.includes('d_seconds_bucket{le="0.001",route="manifest",project="hub"} 2'), mine.join('\n'));
    assert.ok(mine.includes('d_seconds_count{route="blob",project=""} 2'));
  });

  it('keeps series apart whose label values would join alike', async () => {
    const registry = new Registry();
    const tally = new CounterTally(['a', 'b'] as const);
    new Counter({ name: 'j_total', help: 'h', labelNames: ['a', 'b'], registers: [registry], collect() { tally.drainInto(this); } });
    tally.inc({ a: 'x', b: 'yz' });
    tally.inc({ a: 'xy', b: 'z' });
    const lines = await linesOf(registry);
    assert.ok(lines.includes('j_total{a="x",b="yz"} 1') && lines.includes('j_total{a="xy",b="z"} 1'), lines.join('\n'));
  });
});
