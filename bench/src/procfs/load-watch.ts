// What a load cost, measured while it ran: CPU of the server's processes (and of its busiest thread, since one
// JavaScript thread at 100% is where a Node server stops), CPU of the load's clients (wrk, curl: children of this
// process, counted once reaped), CPU of the bench itself, CPU of the whole machine (its softirq share is the
// loopback's packet work; what no one of these used is other work on a shared machine), reads that
// went to the disk, and the server's peak RSS. The report turns these into "what limits this figure".
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { readMemoryStatus } from '../measures/proc-status.ts';
import { parseMachineStat, parseReadBytes, parseReapedChildrenTicks } from './proc-stat.ts';
import { processTree, readPidStat, threadTicks } from './process-tree.ts';

/** Linux reports CPU time in USER_HZ ticks, 100 a second on every architecture Node runs on. */
export const TICKS_PER_SECOND = 100;
const RSS_SAMPLE_MS = 100;

export interface LoadFigures {
  seconds: number;
  cpus: number;
  /** Average CPU cores used by the server's processes; undefined when the bench did not start the server. */
  serverCores?: number;
  /** Average cores of the server's busiest single thread. */
  busiestThreadCores?: number;
  /** Bytes the server's processes read from storage (not from the page cache). */
  diskReadBytes?: number;
  /** The highest sum of VmRSS over the server's processes, sampled every 100 ms. */
  peakRssBytes?: number;
  /** Average cores of the clients (wrk, curl, skopeo, containerd…) the bench ran and reaped meanwhile. */
  clientCores: number;
  /** Average cores busy on the whole machine (server, clients, the bench itself, anyone else's work). */
  machineCores: number;
  /** Average cores idle waiting for I/O. */
  iowaitCores: number;
  /** Average cores in interrupts and softirqs (the loopback's packet work), part of machineCores. */
  softirqCores: number;
  /** Average cores of the bench process itself (its sampling, its fetches), part of machineCores. */
  benchCores: number;
}

const selfStat = async () => parseReapedChildrenTicks(await readFile('/proc/self/stat', 'utf8'));
const machineStat = async () => parseMachineStat(await readFile('/proc/stat', 'utf8'));
const readBytes = async (pids: readonly number[]) =>
  (await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/io`, 'utf8').then(parseReadBytes, () => 0)))).reduce((a, b) => a + b, 0);
const rss = async (pids: readonly number[]) =>
  (await Promise.all(pids.map((pid) => readMemoryStatus(pid).then((m) => m.vmRssBytes, () => 0)))).reduce((a, b) => a + b, 0);
const cpuTicks = async (pids: readonly number[]) =>
  (await Promise.all(pids.map(async (pid) => (await readPidStat(pid))?.cpuTicks ?? 0))).reduce((a, b) => a + b, 0);

/** Runs `load` while watching the process tree of `serverPid` (if any) and the machine. */
export async function watchLoad<T>(serverPid: number | undefined, load: () => Promise<T>): Promise<{ result: T; load: LoadFigures }> {
  const tree = serverPid === undefined ? [] : await processTree(serverPid);
  const before = {
    bench: process.cpuUsage(),
    children: await selfStat(),
    machine: await machineStat(),
    server: await cpuTicks(tree),
    threads: await threadTicks(tree),
    read: await readBytes(tree),
  };
  let peakRss = await rss(tree);
  let sampling = true;
  const sampler = (async () => {
    while (sampling && tree.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, RSS_SAMPLE_MS));
      peakRss = Math.max(peakRss, await rss(tree));
    }
  })();
  const started = performance.now();
  let result: T;
  try {
    result = await load();
  } finally {
    sampling = false;
    await sampler;
  }
  const seconds = (performance.now() - started) / 1000;
  const machine = await machineStat();
  const bench = process.cpuUsage(before.bench);
  const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
  const figures: LoadFigures = {
    seconds,
    cpus: availableParallelism(),
    clientCores: cores((await selfStat()) - before.children),
    machineCores: cores(machine.busy - before.machine.busy),
    iowaitCores: cores(machine.iowait - before.machine.iowait),
    softirqCores: cores(machine.softirq - before.machine.softirq),
    benchCores: (bench.user + bench.system) / 1e6 / seconds,
  };
  if (tree.length > 0) {
    const threads = await threadTicks(tree);
    let busiest = 0;
    for (const [key, ticks] of threads) busiest = Math.max(busiest, ticks - (before.threads.get(key) ?? 0));
    figures.serverCores = cores((await cpuTicks(tree)) - before.server);
    figures.busiestThreadCores = cores(busiest);
    figures.diskReadBytes = (await readBytes(tree)) - before.read;
    figures.peakRssBytes = peakRss;
  }
  return { result, load: figures };
}
