// Parsers of the kernel's per-process and machine-wide CPU and I/O accounting (/proc/<pid>/stat, /proc/stat,
// /proc/<pid>/io): the figures that say which process — or the disk, or nothing — limited a load.

export interface ProcessStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/**
 * /proc/<pid>/stat: "pid (comm) state ppid … utime stime …". The command name may hold spaces and parentheses,
 * so the fields are counted from the last ")".
 */
export function parsePidStat(text: string): ProcessStat {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  // after ")": state(3) ppid(4) … utime(14) stime(15), 1-based as in proc(5)
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const stat = { pid, ppid: field(4), cpuTicks: field(14) + field(15) };
  if (!Number.isFinite(stat.pid) || !Number.isFinite(stat.ppid) || !Number.isFinite(stat.cpuTicks)) {
    throw new Error(`unreadable /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  }
  return stat;
}

/** cutime + cstime of /proc/<pid>/stat: the CPU of the children it has reaped (wrk, curl), in ticks. */
export function parseReapedChildrenTicks(text: string): number {
  const rest = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  return Number(rest[16 - 3]) + Number(rest[17 - 3]);
}

export interface MachineTicks {
  /** Ticks every CPU spent on anything but idle and iowait. */
  busy: number;
  /** Ticks the CPUs waited on I/O with nothing to run. */
  iowait: number;
  /**
   * Ticks in interrupts and softirqs, part of `busy`: with IRQ time accounting the kernel bills the loopback's
   * packet processing here, not to the processes that sent or received the bytes.
   */
  softirq: number;
  total: number;
}

/** The first ("cpu ") line of /proc/stat: user nice system idle iowait irq softirq steal … */
export function parseMachineStat(text: string): MachineTicks {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no "cpu" line in /proc/stat');
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  const idle = values[3] ?? 0;
  const iowait = values[4] ?? 0;
  return { busy: total - idle - iowait, iowait, softirq: (values[5] ?? 0) + (values[6] ?? 0), total };
}

/** read_bytes of /proc/<pid>/io: what the process made the kernel fetch from storage (page-cache hits are free). */
export function parseReadBytes(text: string): number {
  const match = /^read_bytes:\s+(\d+)$/m.exec(text);
  if (!match) throw new Error('no read_bytes in /proc/<pid>/io');
  return Number(match[1]);
}
