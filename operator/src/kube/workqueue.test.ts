import assert from 'node:assert/strict';
import { WorkQueue, type Timers } from './workqueue.ts';

/** Timers that fire only when the test says so, recording the delays asked for. */
class ManualTimers implements Timers {
  readonly pending: { fn: () => void; ms: number; handle: number }[] = [];
  private next = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = ++this.next;
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    const i = this.pending.findIndex((p) => p.handle === handle);
    if (i >= 0) this.pending.splice(i, 1);
  }
  fireAll(): void {
    for (const p of this.pending.splice(0)) p.fn();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('coalesces adds of a queued key into one run', async () => {
    const runs: string[] = [];
    const gate = deferred();
    const q = new WorkQueue(async (key) => {
      runs.push(key);
      if (key === 'block') await gate.promise;
    }, { concurrency: 1, timers: new ManualTimers() });
    q.add('block');
    q.add('a');
    q.add('a');
    q.add('a');
    gate.resolve();
    await q.idle();
    assert.deepEqual(runs, ['block', 'a']);
  });

  it('runs a key once more when it is added while being handled, never twice at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gate = deferred();
    const q = new WorkQueue(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      if (runs === 1) await gate.promise;
      running--;
    }, { concurrency: 4, timers: new ManualTimers() });
    q.add('k');
    q.add('k');
    q.add('k');
    gate.resolve();
    await q.idle();
    assert.equal(runs, 2);
    assert.equal(maxRunning, 1);
  });

  it('retries a failing key with exponential backoff, and resets it after a success', async () => {
    const timers = new ManualTimers();
    const delays: number[] = [];
    let calls = 0;
    const q = new WorkQueue(async () => {
      calls++;
      if (calls <= 3) throw new Error('boom');
    }, { timers, baseDelayMs: 100, maxDelayMs: 250, onError: (_k, _e, ms) => delays.push(ms) });
    q.add('k');
    for (let i = 0; i < 3; i++) {
      await q.idle();
      timers.fireAll();
    }
    await q.idle();
    assert.equal(calls, 4);
    assert.deepEqual(delays, [100, 200, 250]);
    assert.equal(timers.pending.length, 0);
  });

  it('honours requeueAfter, keeping the earliest of two requests', async () => {
    const timers = new ManualTimers();
    const q = new WorkQueue(async () => ({ requeueAfterMs: 60_000 }), { timers });
    q.add('k');
    await q.idle();
    q.addAfter('k', 1000);
    assert.deepEqual(timers.pending.map((p) => p.ms), [1000]);
    q.addAfter('k', 5000);
    assert.deepEqual(timers.pending.map((p) => p.ms), [1000]);
  });

  it('forgets a key: no retry after the object is gone', async () => {
    const timers = new ManualTimers();
    const q = new WorkQueue(async () => {
      throw new Error('x');
    }, { timers });
    q.add('k');
    await q.idle();
    assert.equal(timers.pending.length, 1);
    q.forget('k');
    assert.equal(timers.pending.length, 0);
  });

  it('stops taking work on shutdown', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => void runs.push(k), { timers: new ManualTimers() });
    await q.shutdown();
    q.add('late');
    await q.idle();
    assert.deepEqual(runs, []);
  });
});
