// Detached processes tracked by pid: started with their output in a log file, recognised later by the binary
// they run (so a recycled pid is never signalled), stopped with TERM and, after a grace period, KILL.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface Started {
  pid: number;
  command: string;
}

/** Starts `command` in its own process group, detached from the caller, stdout and stderr appended to `logFile`. */
export function startDetached(command: string, args: string[], logFile: string, env?: Record<string, string>): Started {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], ...(env ? { env: { ...process.env, ...env } } : {}) });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    // Spawn failures (ENOENT) arrive as an event; record them rather than crash the caller: the pid check fails.
    child.on('error', () => undefined);
    child.unref();
    return { pid: child.pid, command };
  } finally {
    closeSync(fd);
  }
}

/** True while `pid` is a live (not zombie) process running `command`. */
export function isRunning(pid: number, command: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // state is the field after the parenthesised command name
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === command;
  } catch {
    return false;
  }
}

/** Polls `check` until it is true or `timeoutMs` passes; returns the last result. */
export async function pollUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Stops the process if it still runs `command`: TERM, then KILL after `graceMs`. Resolves once it is gone. */
export async function stopProcess(pid: number, command: string, graceMs = 10_000): Promise<void> {
  if (!isRunning(pid, command)) return;
  signal(pid, 'SIGTERM');
  if (await pollUntil(() => !isRunning(pid, command), graceMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await pollUntil(() => !isRunning(pid, command), 5_000))) throw new Error(`pid ${pid} (${command}) survived SIGKILL`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The last `lines` lines of a log file, for error messages about a component that died. */
export async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 16_384);
      const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
      return buffer.toString('utf8').split('\n').slice(-lines - 1).join('\n').trim();
    } finally {
      await handle.close();
    }
  } catch {
    return '(no log)';
  }
}
