import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from './lock.ts';

describe('cluster lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs holders one at a time and removes the lock after', async () => {
    const file = join(dir, 'lock');
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let firstIn!: () => void;
    const entered = new Promise<void>((r) => (firstIn = r));
    const first = withLock(file, async () => {
      events.push('first in');
      firstIn();
      await gate;
      events.push('first out');
    });
    // The second asks only once the first holds the lock: both asking at once may be won by either.
    await entered;
    const second = withLock(file, async () => {
      events.push('second in');
    });
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all([first, second]);
    assert.deepEqual(events, ['first in', 'first out', 'second in']);
    assert.equal(existsSync(file), false);
  });

  it('takes over a lock whose owner has exited', async () => {
    const file = join(dir, 'lock');
    const dead = spawnSync('/bin/true').pid;
    writeFileSync(file, `${dead}\n`);
    assert.equal(await withLock(file, async () => 'ran', 5_000), 'ran');
  });

  it('gives up on a live holder after the timeout, naming it', async () => {
    const file = join(dir, 'lock');
    writeFileSync(file, `${process.pid}\n`);
    await assert.rejects(withLock(file, async () => 'ran', 300), new RegExp(`held by pid ${process.pid}`));
  });
});
