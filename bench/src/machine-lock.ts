// The local cluster's real node is one per machine (fixed ports, /etc/containerd, iptables): whoever starts one
// holds a machine-wide flock(1) lock file for as long as it runs. The bench holds it through a `flock` child
// process, so the lock is the same one a shell's `flock FILE command` takes, and it is let go when the bench ends,
// however it ends (the child's stdin closes).
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export const DEFAULT_MACHINE_LOCK = '/tmp/berth-cluster.lock';

export interface MachineLock {
  release(): Promise<void>;
}

/** Waits up to `timeoutSeconds` for the lock; rejects when another holder keeps it longer. */
export async function holdMachineLock(file: string, timeoutSeconds: number): Promise<MachineLock> {
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
