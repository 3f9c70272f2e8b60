// Child processes for the bench: one-shot commands whose output is read, and long-running servers that are
// stopped (and waited for) when the bench ends, whatever happened.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; throws with its stderr when it exits non-zero. */
export async function run(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    // tsc, for one, reports its errors on stdout.
    const output = (stderr.trim() || stdout.trim()).slice(-2000);
    throw new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${output}`);
  }
  return { stdout, stderr };
}

// Servers still running when the bench process exits (an error, Ctrl-C): killed then, synchronously.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Service {
  process: ChildProcess;
  pid: number;
  /** What the server wrote to stderr so far (the tail), for error messages. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** Starts a server process; stop() sends SIGTERM, then SIGKILL if it has not exited within 5 s. */
export function startService(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Service {
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (tail = (tail + d).slice(-4000)));
  const exited = once(child, 'exit');
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  live.add(child);
  void exited.then(() => live.delete(child));
  return {
    process: child,
    pid: child.pid,
    stderrTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls a URL until it answers 200, the process exits, or the deadline passes. */
export async function waitForHttpOk(url: string, service: Service | undefined, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (service && service.process.exitCode !== null) {
      throw new Error(`server exited ${service.process.exitCode} before ${url} answered: ${service.stderrTail()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
