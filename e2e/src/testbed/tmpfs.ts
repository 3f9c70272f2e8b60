// A small tmpfs, for a store that runs out of room (disk-full tests; needs root). Unmounted by `unmount()` or, at
// the latest, when the test run ends; the mount point is a temp dir of its own.
import { mkdtemp, rmdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './cleanup.ts';
import { run } from './run.ts';

export interface Tmpfs {
  readonly path: string;
  /** Changes its size (e.g. to make room again), keeping its contents. */
  resize(bytes: number): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(bytes: number): Promise<Tmpfs> {
  const path = await mkdtemp(join(tmpdir(), 'berth-tmpfs-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path]);
  const unmount = track({
    name: `tmpfs ${path}`,
    stop: async () => {
      // Lazy: a process that still holds a file there (a proxy being stopped) does not keep the mount.
      await run('umount', ['--lazy', path]);
      await rmdir(path);
    },
    killNow: () => {
      execFileSync('umount', ['--lazy', path]);
      execFileSync('rmdir', [path]);
    },
  });
  return {
    path,
    resize: async (size) => void (await run('mount', ['-o', `remount,size=${size}`, path])),
    unmount,
  };
}
