// The local cluster's real node is one per machine (fixed ports, /etc/containerd, iptables): whoever starts one
// holds a machine-wide flock(1) lock file for as long as it runs. The bench holds it through a `flock` child
// process, so the lock is the same one a shell's `flock FILE command` takes, and it is let go when the bench ends,
// however it ends (the child's stdin closes). A bench run under `flock FILE …` already holds it: taking it again
// would wait on itself, so a lock an ancestor process holds (read from /proc/locks) counts as held.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { readPidStat } from './procfs/process-tree.ts';

export const DEFAULT_MACHINE_LOCK = '/tmp/berth-cluster.lock';

export interface MachineLock {
  release(): Promise<void>;
}

/** The pids holding a flock(2) lock on the file with this device and inode, from /proc/locks. */
export function flockHolders(procLocks: string, dev: number, ino: number): number[] {
  // "3: FLOCK  ADVISORY  WRITE 27225 fe:00:5597068 0 EOF": major and minor in hex, the inode in decimal
  const id = `${(dev >> 8).toString(16).padStart(2, '0')}:${(dev & 0xff).toString(16).padStart(2, '0')}:${ino}`;
  const holders: number[] = [];
  for (const line of procLocks.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === 'FLOCK' && f[5] === id) holders.push(Number(f[4]));
  }
  return holders;
}

async function heldByAncestor(file: string): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  if (!st) return false;
  const holders = new Set(flockHolders(await readFile('/proc/locks', 'utf8'), st.dev, st.ino));
  for (let pid: number | undefined = process.ppid; pid !== undefined && pid > 1; pid = (await readPidStat(pid))?.ppid) {
    if (holders.has(pid)) return true;
  }
  return false;
}

/** Waits up to `timeoutSeconds` for the lock; rejects when another holder keeps it longer. */
export async function holdMachineLock(file: string, timeoutSeconds: number): Promise<MachineLock> {
  if (await heldByAncestor(file)) return { release: async () => {} };
  const child = spawn('flock', ['-w', String(timeoutSeconds), file, 'sh', '-c', 'echo held; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const held = new Promise<boolean>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('held') && resolve(true));
    void exited.then(() => resolve(false));
  });
  if (!(await held)) {
    const [code] = await exited;
    throw new Error(`could not take ${file} within ${timeoutSeconds} s (flock exited ${code}${stderr ? `: ${stderr.trim()}` : ''})`);
  }
  return {
    async release() {
      child.stdin.end();
      await exited;
    },
  };
}
