import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { run } from './proc.ts';
import { join } from 'node:path';
import { flockHolders, holdMachineLock } from './machine-lock.ts';

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

  it('reads the holders of a file from /proc/locks by device and inode', () => {
    const text = ['1: OFDLCK ADVISORY  WRITE -1 fe:00:5597071 0 EOF', '3: FLOCK  ADVISORY  WRITE 27225 fe:00:5597068 0 EOF', '4: FLOCK  ADVISORY  WRITE 27139 fe:00:9983093 0 EOF'].join('\n');
    assert.deepEqual(flockHolders(text, 0xfe00, 5597068), [27225]);
    assert.deepEqual(flockHolders(text, 0xfe00, 5597071), []);
  });

  it('counts a lock an ancestor holds (a bench run under `flock FILE …`) as held, instead of waiting on itself', async () => {
    const file = join(dir, 'ancestor-lock');
    const script = `import('${new URL('./machine-lock.ts', import.meta.url).href}').then(async (m) => { const l = await m.holdMachineLock(${JSON.stringify(file)}, 0); await l.release(); console.log('ok'); })`;
    const { stdout } = await run('flock', [file, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script]);
    assert.equal(stdout.trim(), 'ok');
  });
});
