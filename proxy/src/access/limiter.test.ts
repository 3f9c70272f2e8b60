import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import { Limiter } from './limiter.ts';

/** A task that runs until its `finish` is called. */
function gate(): { task: () => Promise<string>; started: Promise<void>; finish: (v: string) => void } {
  let finish!: (v: string) => void;
  let start!: () => void;
  const started = new Promise<void>((resolve) => (start = resolve));
  const done = new Promise<string>((resolve) => (finish = resolve));
  return { task: () => (start(), done), started, finish };
}

describe('Limiter', () => {
  it('runs at most `concurrency` tasks at once, the rest in order of arrival', async () => {
    const limiter = new Limiter({ concurrency: 1, queue: 4 });
    const a = gate();
    const b = gate();
    let bStarted = false;
    const first = limiter.run(a.task);
    const second = limiter.run(() => ((bStarted = true), b.task()));
    await a.started;
    assert.equal(limiter.pending, 2);
    assert.equal(bStarted, false, 'the second waits for the first');
    a.finish('a');
    assert.equal(await first, 'a');
    await b.started;
    b.finish('b');
    assert.equal(await second, 'b');
    assert.equal(limiter.pending, 0);
  });

  it('refuses with TOOMANYREQUESTS past its queue, and frees the slot of a failed task', async () => {
    const limiter = new Limiter({ concurrency: 1, queue: 1 });
    const a = gate();
    const running = limiter.run(a.task);
    const queued = limiter.run(() => Promise.reject(new Error('boom')));
    await assert.rejects(limiter.run(async () => 'x'), (err: unknown) => err instanceof OciError && err.code === 'TOOMANYREQUESTS' && err.status === 429);
    a.finish('a');
    await running;
    await assert.rejects(queued, /boom/);
    assert.equal(limiter.pending, 0);
    assert.equal(await limiter.run(async () => 'again'), 'again');
  });
});
