// Runs a command to completion and returns its stdout; a failure names the command and shows its stderr.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Kills the command after this long; default 10 minutes (a 200 MB image takes a while on 2 cores). */
  timeoutMs?: number;
  /** Strings (passwords) replaced by *** in error messages. */
  secrets?: string[];
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    /** What the command printed before it failed (e.g. a report it prints with a non-zero verdict). */
    readonly stdout = '',
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function redact(text: string, secrets: string[] = []): string {
  return secrets.filter((s) => s.length > 0).reduce((out, s) => out.split(s).join('***'), text);
}

export function run(command: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 600_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.once('error', (e) => reject(new CommandError(`${command}: ${e.message}`, null, '')));
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) return resolve(stdout);
      const stderr = redact(Buffer.concat(err).toString('utf8').trim(), opts.secrets);
      const shown = redact([command, ...args].join(' '), opts.secrets);
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new CommandError(`${shown}: ${how}\n${stderr.slice(-4000)}`, code, stderr, redact(stdout, opts.secrets)));
    });
  });
}
