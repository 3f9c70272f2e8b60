import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdMachineLock } from './machine-lock.ts';

describe('holdMachineLock', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-bench-lock-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('holds the lock until released: a second taker gives up meanwhile, and gets it afterwards', async () => {
    const file = join(dir, 'lock');
    const first = await holdMachineLock(file, 5);
    await assert.rejects(holdMachineLock(file, 0), /could not take .*lock within 0 s/);
    await first.release();
    const second = await holdMachineLock(file, 5);
    await second.release();
  });
});
