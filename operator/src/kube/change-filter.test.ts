import assert from 'node:assert/strict';
import { ChangeFilter } from './change-filter.ts';

describe('change filter', () => {
  it('passes an event only when the fingerprint moved', () => {
    const f = new ChangeFilter<{ labels: string; heartbeat: number }>((n) => n.labels);
    const cases: [string, () => boolean, boolean][] = [
      ['a new object', () => f.changed('n1', { labels: 'a', heartbeat: 1 }, 'add'), true],
      ['a heartbeat', () => f.changed('n1', { labels: 'a', heartbeat: 2 }, 'update'), false],
      ['a label', () => f.changed('n1', { labels: 'b', heartbeat: 2 }, 'update'), true],
      ['another object', () => f.changed('n2', { labels: 'b', heartbeat: 1 }, 'add'), true],
      ['its deletion', () => f.changed('n1', { labels: 'b', heartbeat: 2 }, 'delete'), true],
      ['a deletion of what it never saw', () => f.changed('n3', { labels: 'c', heartbeat: 0 }, 'delete'), false],
    ];
    for (const [what, event, changed] of cases) assert.equal(event(), changed, what);
  });

  it('treats an object it ignores as absent: its coming and going is no change', () => {
    const f = new ChangeFilter<{ on: boolean; v: number }>((o) => (o.on ? String(o.v) : 'off'), 'off');
    assert.equal(f.changed('x', { on: false, v: 1 }, 'add'), false);
    assert.equal(f.changed('x', { on: true, v: 1 }, 'update'), true);
    assert.equal(f.changed('x', { on: true, v: 1 }, 'delete'), true);
    assert.equal(f.changed('x', { on: false, v: 1 }, 'delete'), false);
  });
});
