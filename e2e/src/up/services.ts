// Long-running processes of `./dev up` (upstream registry, proxy, operator): detached from the command that
// starts them, logs in files, recorded by pid for `./dev down`. Unlike the test bed's daemons they outlive `up`.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { isRunning, stopProcess } from '../cluster/processes.ts';
import type { UpService } from './state.ts';

export interface ServiceSpec {
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startService(spec: ServiceSpec): UpService {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, { detached: true, stdio: ['ignore', fd, fd], env: spec.env ?? process.env, cwd: spec.cwd });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.on('error', () => undefined); // ENOENT arrives as an event; the caller's readiness wait reports it
    child.unref();
    return { pid: child.pid, command: spec.command, logFile: spec.logFile };
  } finally {
    closeSync(fd);
  }
}

export const serviceRunning = (s: UpService): boolean => isRunning(s.pid, s.command);

export function stopService(s: UpService): Promise<void> {
  return stopProcess(s.pid, s.command);
}
