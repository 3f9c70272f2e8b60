// One `up`/`down` at a time per state folder: two test processes (or a test run and `pnpm cluster up`) that
// both find the cluster down must not both start one. The lock file holds the owner's pid; a lock whose owner
// has exited is stale and taken over.
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pollUntil } from './processes.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    // an empty file is a lock being written this instant: not stale
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) await rm(file, { force: true });
    return false;
  }
}

/** Runs `fn` holding the lock file; waits up to `timeoutMs` for another holder to finish. */
export async function withLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  await mkdir(dirname(file), { recursive: true });
  if (!(await pollUntil(() => tryAcquire(file), timeoutMs, 250))) {
    throw new Error(`${file} is held by pid ${(await readFile(file, 'utf8').catch(() => '?')).trim()} for more than ${timeoutMs / 1000}s`);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
