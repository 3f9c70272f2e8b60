// "What limits this figure", read off the load figures measured while it ran (procfs/load-watch.ts) rather than
// guessed: one thread of the server at a full core (a Node server's JavaScript thread), every core of the machine
// busy (then who used them: the server, the clients, the kernel's softirqs carrying loopback packets, the bench
// process, and "other" — anyone else's work on a shared machine), the server waiting on the disk, or none of these —
// the loopback's copies and the clients' round trips.
import type { LoadFigures } from './procfs/load-watch.ts';

/** A core this busy counts as saturated: the kernel's tick accounting and a shared machine blur the last few %. */
const SATURATED = 0.9;

const cores = (n: number) => n.toFixed(2);

export function limitOf(load: LoadFigures, server: string, clients: string): string {
  const known = load.clientCores + load.softirqCores + load.benchCores;
  const other = Math.max(0, load.machineCores - (load.serverCores ?? 0) - known);
  const shares = `${clients} ${cores(load.clientCores)}, softirq ${cores(load.softirqCores)}, bench ${cores(load.benchCores)}, other ${cores(other)}`;
  const machine = load.serverCores === undefined ? shares : `${server} ${cores(load.serverCores)}, ${shares}`;
  if (load.busiestThreadCores !== undefined && load.busiestThreadCores >= SATURATED) {
    return `CPU: one ${server} thread at ${cores(load.busiestThreadCores)} core`;
  }
  if (load.machineCores >= SATURATED * load.cpus) return `CPU: all ${load.cpus} cores busy (${machine})`;
  if (load.iowaitCores >= SATURATED / 2 && (load.diskReadBytes ?? 0) > 0) return `disk: ${cores(load.iowaitCores)} cores waiting on I/O`;
  return `no CPU saturated (${machine}): loopback and round trips`;
}
