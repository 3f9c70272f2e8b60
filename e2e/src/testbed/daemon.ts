// A long-running child process (registry, containerd, proxy) whose output goes to a log file the test can read,
// tracked so that it is stopped even when the test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { track } from './cleanup.ts';

export interface DaemonOptions {
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Daemon {
  readonly name: string;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Settles when the process has exited, with its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Why the process is gone, or undefined while it runs. */
  exitReason(): string | undefined;
  log(): Promise<string>;
  /** Sends `signal` (default SIGTERM), waits for the exit; SIGKILL after `graceMs` (default 10 s). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export function startDaemon(opts: DaemonOptions): Daemon {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let reason: string | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      reason = `could not start ${opts.command}: ${err.message}`;
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve(code);
    });
  });
  const isRunning = () => reason === undefined;

  const terminate = async (signal: NodeJS.Signals, graceMs: number) => {
    if (!isRunning()) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome === 'late' && isRunning()) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  let nextStop: { signal: NodeJS.Signals; graceMs: number } = { signal: 'SIGTERM', graceMs: 10_000 };
  const untrack = track({
    name: opts.name,
    stop: () => terminate(nextStop.signal, nextStop.graceMs),
    killNow: () => {
      if (isRunning()) child.kill('SIGKILL');
    },
  });

  return {
    name: opts.name,
    process: child,
    logFile: opts.logFile,
    exited,
    exitReason: () => reason,
    log: () => readFile(opts.logFile, 'utf8'),
    stop: (signal = 'SIGTERM', graceMs = 10_000) => {
      nextStop = { signal, graceMs };
      return untrack();
    },
  };
}

/** The end of a daemon's log, to explain why it did not come up. */
export async function logTail(daemon: Daemon, chars = 3000): Promise<string> {
  try {
    return (await daemon.log()).slice(-chars);
  } catch {
    return '';
  }
}
