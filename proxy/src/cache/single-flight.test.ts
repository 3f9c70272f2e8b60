import assert from 'node:assert/strict';
import { SingleFlight } from './single-flight.ts';

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of a key, and tells each joiner', async () => {
    const flights = new SingleFlight<number>();
    let starts = 0;
    let joins = 0;
    let finish!: (n: number) => void;
    const start = () => {
      starts++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const calls = [1, 2, 3].map(() => flights.run('k', start, () => joins++));
    finish(42);
    assert.deepEqual(await Promise.all(calls), [42, 42, 42]);
    assert.equal(starts, 1);
    assert.equal(joins, 2);
  });

  it('frees the key once the work settled, also when it failed', async () => {
    const flights = new SingleFlight<string>();
    await assert.rejects(flights.run('k', () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await flights.run('k', async () => 'again'), 'again');
  });

  it('keeps keys apart', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    assert.deepEqual([a, b], ['A', 'B']);
  });
});
