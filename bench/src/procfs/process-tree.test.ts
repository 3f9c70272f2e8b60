import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { findChild, processTree, threadTicks } from './process-tree.ts';
import { TICKS_PER_SECOND, watchLoad } from './load-watch.ts';

/** A shell (named by a marker in its command line) with a child of its own: a server's master and worker. */
async function shellWithChild(script: string): Promise<{ shell: ChildProcess; marker: string; stop: () => Promise<void> }> {
  const marker = `berth-bench-${randomBytes(4).toString('hex')}`;
  const shell = spawn('sh', ['-c', `${script} & echo started; wait # ${marker}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(shell.stdout!, 'data');
  return {
    shell,
    marker,
    stop: async () => {
      for (const pid of (await processTree(shell.pid!)).reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      if (shell.exitCode === null && shell.signalCode === null) await once(shell, 'exit');
    },
  };
}

describe('process-tree', () => {
  it('finds a child by its command line, and its own children under it', async () => {
    const { shell, marker, stop } = await shellWithChild('sleep 30');
    try {
      assert.equal(await findChild(process.pid, ['sh', marker]), shell.pid);
      const tree = await processTree(shell.pid!);
      assert.equal(tree[0], shell.pid);
      assert.equal(tree.length, 2, `sh and its sleep: ${tree.join(' ')}`);
      assert.ok([...(await threadTicks(tree)).keys()].every((k) => /^\d+\/\d+$/.test(k)));
    } finally {
      await stop();
    }
  });

  it('watchLoad reads the CPU and memory of the whole tree, the children reaped meanwhile and the machine', async () => {
    // the "server": a shell whose child burns CPU; the "load": a client process this test runs to completion
    const { shell, stop } = await shellWithChild('while :; do :; done');
    try {
      const { result, load } = await watchLoad(shell.pid, async () => {
        const client = spawn('sh', ['-c', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'], { stdio: 'ignore' });
        await once(client, 'exit');
        return 'done';
      });
      assert.equal(result, 'done');
      assert.ok(load.serverCores! > 0, `the busy child's CPU is counted: ${JSON.stringify(load)}`);
      // A thread's ticks and its process's are each adjusted by the kernel on their own (cputime_adjust), read a
      // moment apart: over a short, loaded window the one thread may show one tick more than the whole tree.
      const oneTick = 1 / TICKS_PER_SECOND / load.seconds;
      assert.ok(load.busiestThreadCores! > 0 && load.busiestThreadCores! <= load.serverCores! + oneTick, JSON.stringify(load));
      assert.ok(load.clientCores > 0, `the reaped client's CPU is counted: ${JSON.stringify(load)}`);
      assert.ok(load.peakRssBytes! > 0);
      assert.ok(load.machineCores >= load.softirqCores);
    } finally {
      await stop();
    }
  });

  it('watchLoad without a server reads the machine and the clients only', async () => {
    const { load } = await watchLoad(undefined, async () => undefined);
    assert.equal(load.serverCores, undefined);
    assert.equal(load.peakRssBytes, undefined);
    assert.equal(load.cpus > 0, true);
  });
});
