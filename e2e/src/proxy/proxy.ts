// Runs the Berth proxy from its sources, as the real-parts tests drive it: `berth-proxy serve …` through tsx
// with the `berth-source` export condition, so no build is needed and the test runs what is in the tree.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parse } from 'yaml';
import { logTail, startDaemon, type Daemon } from '../testbed/daemon.ts';
import { repoRoot } from '../testbed/repo.ts';
import { tempDir } from '../testbed/temp.ts';
import { httpAnswers, waitFor } from '../testbed/wait.ts';

/** The command line that runs proxy/src/cli.ts; append the CLI's own arguments (`serve …`, `node-agent …`). */
export function proxyCliCommand(): { command: string; args: string[]; cwd: string } {
  const root = repoRoot();
  return {
    command: process.execPath,
    args: ['--conditions=berth-source', '--import', 'tsx', join(root, 'proxy/src/cli.ts')],
    cwd: root,
  };
}

export interface StartProxyOptions {
  /** `serve --config FILE` */
  configFile?: string;
  /** More `serve` arguments, e.g. ['--listen', '127.0.0.1:PORT', '--storage', DIR, '--upstream', 'docker.io=URL']. */
  args?: string[];
  /** How long to wait for /readyz; default 60 s (a loaded CI machine starts tsx slowly). */
  readyTimeoutMs?: number;
}

export interface RunningProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT */
  readonly host: string;
  readonly process: ChildProcess;
  /** Settles with the exit code when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Its stdout and stderr so far (JSON logs). */
  log(): Promise<string>;
  /** SIGTERM by default (drain, then exit); SIGKILL to simulate a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The listen address from `--listen` or the config file's `listen`, as a loopback host:port to connect to. */
async function listenAddress(opts: StartProxyOptions): Promise<string> {
  const args = opts.args ?? [];
  const flag = args.indexOf('--listen');
  let listen = flag >= 0 ? args[flag + 1] : undefined;
  if (!listen && opts.configFile) listen = (parse(await readFile(opts.configFile, 'utf8')) as { listen?: string }).listen;
  if (!listen) throw new Error('startProxy needs a listen address: --listen HOST:PORT or `listen:` in the config file');
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  return `${host === '0.0.0.0' || host === '' || host === '[::]' ? '127.0.0.1' : host}:${listen.slice(colon + 1)}`;
}

export async function startProxy(opts: StartProxyOptions): Promise<RunningProxy> {
  const host = await listenAddress(opts);
  const url = `http://${host}`;
  const logs = await tempDir('berth-proxy-log');
  const cli = proxyCliCommand();
  const serveArgs = [...(opts.configFile ? ['--config', opts.configFile] : []), ...(opts.args ?? [])];
  const daemon: Daemon = startDaemon({
    name: `berth-proxy ${host}`,
    command: cli.command,
    args: [...cli.args, 'serve', ...serveArgs],
    cwd: cli.cwd,
    logFile: join(logs.path, 'proxy.log'),
  });
  try {
    await waitFor(() => httpAnswers(`${url}/readyz`), {
      what: `berth-proxy /readyz on ${url}`,
      timeoutMs: opts.readyTimeoutMs ?? 60_000,
      abort: daemon.exitReason,
    });
  } catch (err) {
    const tail = await logTail(daemon);
    await daemon.stop('SIGKILL');
    await logs.remove();
    // The log holds stdout and stderr (JSON logs and, on a crash, the stack): its tail says why it never got ready.
    throw new Error(`${(err as Error).message}\nberth-proxy output (tail):\n${tail}`);
  }
  return {
    url,
    host,
    process: daemon.process,
    exited: daemon.exited,
    log: () => daemon.log(),
    stop: async (signal = 'SIGTERM') => {
      await daemon.stop(signal);
      await logs.remove();
    },
  };
}
