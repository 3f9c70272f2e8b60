// A server under load can be several processes (nginx's master and workers, a proxy with worker processes): its
// CPU and memory are those of its process and every descendant, found by walking /proc's parent links.
import { readdir, readFile } from 'node:fs/promises';
import { parsePidStat, type ProcessStat } from './proc-stat.ts';

/** The stat of a process, or undefined when it is gone (a process may exit between listing and reading). */
export async function readPidStat(pid: number, tid?: number): Promise<ProcessStat | undefined> {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  return readFile(path, 'utf8').then(parsePidStat, () => undefined);
}

async function numericEntries(dir: string): Promise<number[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number);
}

/** `root` and its descendants alive now. */
export async function processTree(root: number): Promise<number[]> {
  const stats = await Promise.all((await numericEntries('/proc')).map((pid) => readPidStat(pid)));
  const children = new Map<number, number[]>();
  for (const s of stats) if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU ticks of every thread of the given processes, keyed "pid/tid". */
export async function threadTicks(pids: readonly number[]): Promise<Map<string, number>> {
  const ticks = new Map<string, number>();
  for (const pid of pids) {
    for (const tid of await numericEntries(`/proc/${pid}/task`)) {
      const stat = await readPidStat(pid, tid);
      if (stat) ticks.set(`${pid}/${tid}`, stat.cpuTicks);
    }
  }
  return ticks;
}

/** The first child of `parent` whose command line contains every one of `words` (e.g. a daemon and its config). */
export async function findChild(parent: number, words: readonly string[]): Promise<number | undefined> {
  for (const pid of await numericEntries('/proc')) {
    const stat = await readPidStat(pid);
    if (stat?.ppid !== parent) continue;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (words.every((w) => cmdline.includes(w))) return pid;
  }
  return undefined;
}
