// Memory figures of a process from /proc/<pid>/status (the kernel's own accounting, in kB).
import { readFile } from 'node:fs/promises';

export interface MemoryStatus {
  /** Peak resident set size since the process started. */
  vmHwmBytes: number;
  vmRssBytes: number;
}

export function parseProcStatus(text: string): MemoryStatus {
  const kb = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (!match) throw new Error(`no ${key} in /proc status`);
    return Number(match[1]) * 1024;
  };
  return { vmHwmBytes: kb('VmHWM'), vmRssBytes: kb('VmRSS') };
}

export async function readMemoryStatus(pid: number): Promise<MemoryStatus> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
}
