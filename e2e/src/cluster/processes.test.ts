import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, logTail, pollUntil, startDetached, stopProcess } from './processes.ts';

describe('detached processes', () => {
  let dir: string;
  const started: { pid: number; command: string }[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-proc-'));
  });
  afterEach(async () => {
    for (const p of started.splice(0)) await stopProcess(p.pid, p.command, 1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a process with its output in the log, and stops it with TERM', async () => {
    const log = join(dir, 'out.log');
    const p = startDetached('/bin/sh', ['-c', 'echo hello; exec /bin/sleep 60'], log);
    started.push(p);
    assert.ok(await pollUntil(async () => (await logTail(log)).includes('hello'), 10_000));
    // exec replaced the shell: the pid now runs /bin/sleep, and that is the binary it is recognised by
    assert.ok(await pollUntil(() => isRunning(p.pid, '/bin/sleep'), 10_000));
    await stopProcess(p.pid, '/bin/sleep', 5_000);
    assert.equal(isRunning(p.pid, '/bin/sleep'), false);
  });

  it('never signals a pid that runs another binary', async () => {
    const p = startDetached('/bin/sleep', ['60'], join(dir, 'out.log'));
    started.push(p);
    await stopProcess(p.pid, '/usr/bin/not-this-one');
    assert.equal(isRunning(p.pid, '/bin/sleep'), true);
  });

  it('kills a process that ignores TERM once the grace period ends', async () => {
    const p = startDetached('/bin/sh', ['-c', 'trap "" TERM; echo trapped; while :; do sleep 1; done'], join(dir, 'out.log'));
    started.push(p);
    assert.ok(await pollUntil(async () => (await logTail(join(dir, 'out.log'))).includes('trapped'), 10_000));
    await stopProcess(p.pid, '/bin/sh', 300);
    assert.equal(isRunning(p.pid, '/bin/sh'), false);
  });

  it('tails the end of a log', async () => {
    const log = join(dir, 'big.log');
    writeFileSync(log, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const tail = await logTail(log, 3);
    assert.deepEqual(tail.split('\n'), ['line 97', 'line 98', 'line 99']);
    assert.equal(await logTail(join(dir, 'missing.log')), '(no log)');
  });
});
