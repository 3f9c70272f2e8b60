// Which process wrote a heartbeat (keys.ts `instances/`), and whether that process is gone. A heartbeat that stopped
// says so for any process, but only after a while; a restarted proxy would then leave its own crashed process's
// uploads open that long. Where the writer ran in this machine's boot and this PID namespace, its PID says at once
// (a crash, then a restart in the same container or on the same host). Anywhere else — another node, another
// container — a PID means nothing here, and only the heartbeat's age counts.
import { readFile, readlink } from 'node:fs/promises';

export interface Owner {
  pid: number;
  /** This boot and PID namespace (`<boot id>/<pid namespace>`); absent where Linux does not tell. */
  machine?: string;
}

let mine: Promise<Owner> | undefined;

/** This process. */
export function thisProcess(): Promise<Owner> {
  mine ??= (async () => {
    try {
      const [boot, namespace] = await Promise.all([readFile('/proc/sys/kernel/random/boot_id', 'utf8'), readlink('/proc/self/ns/pid')]);
      return { pid: process.pid, machine: `${boot.trim()}/${namespace}` };
    } catch {
      return { pid: process.pid };
    }
  })();
  return mine;
}

/** True only when `owner` is known to be gone: it ran here and its PID is free. */
export async function isGone(owner: Owner): Promise<boolean> {
  const self = await thisProcess();
  if (!self.machine || owner.machine !== self.machine || owner.pid === self.pid) return false;
  try {
    process.kill(owner.pid, 0);
    // Alive, or its PID taken by another process: wait for the heartbeat to run out.
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** An owner as read back from the bucket (data, not trusted), or undefined. */
export function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as { pid?: unknown; machine?: unknown };
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return undefined;
    return typeof o.machine === 'string' ? { pid: o.pid, machine: o.machine } : { pid: o.pid };
  } catch {
    return undefined;
  }
}
