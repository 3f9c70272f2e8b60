// Runs berth-operator as a child process, the way the real tests drive it: with a ServiceAccount token kubeconfig,
// health on a free loopback port, output in a log file. From its sources (tsx, `berth-source` condition) by
// default, or from the built dist (`tsc -b`), which is what the image runs and what memory is measured on: tsx
// keeps its transform cache and source maps in the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpAnswers, repoRoot, waitFor } from '@berth/e2e';

export interface OperatorProcess {
  readonly identity: string;
  readonly healthUrl: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  isRunning(): boolean;
  log(): Promise<string>;
  /** SIGTERM (graceful: releases the Lease) or SIGKILL (a crash); resolves when the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOperatorOptions {
  kubeconfig: string;
  identity: string;
  logDir: string;
  args?: string[];
  /** `source` (default): operator/src/cli.ts through tsx; `dist`: operator/dist/src/cli.js, built by `tsc -b`. */
  from?: 'source' | 'dist';
  /** Options for node itself, before the script (e.g. `--max-old-space-size=128`, `--heapsnapshot-signal=SIGUSR2`). */
  nodeOptions?: string[];
  /** The operator's Lease and node agent namespace (its --operator-namespace); berth-system by default. */
  operatorNamespace?: string;
}

/** node's arguments up to (and including) the operator's entry script. */
export function operatorEntry(root: string, from: 'source' | 'dist' = 'source'): string[] {
  if (from === 'source') return ['--conditions=berth-source', '--import', 'tsx', join(root, 'operator/src/cli.ts')];
  const cli = join(root, 'operator/dist/src/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm exec tsc -b\` first`);
  return [cli];
}

export async function startOperator(opts: StartOperatorOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const root = repoRoot();
  const logFile = join(opts.logDir, `operator-${opts.identity}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [
      ...(opts.nodeOptions ?? []),
      ...operatorEntry(root, opts.from),
      '--kubeconfig', opts.kubeconfig,
      '--operator-namespace', opts.operatorNamespace ?? 'berth-system',
      '--identity', opts.identity,
      '--health-addr', `127.0.0.1:${port}`,
      '--leader-election-lease-seconds', '6',
      '--leader-election-renew-seconds', '2',
      '--resync-seconds', '30',
      // No pod image webhook unless a test asks for one (a later --webhook-addr wins): several processes of a test
      // would share its port.
      '--webhook-addr=off',
      ...(opts.args ?? []),
    ], { cwd: root, stdio: ['ignore', fd, fd], env: { ...process.env, KUBERNETES_SERVICE_HOST: '' } });
  } finally {
    closeSync(fd);
  }
  let running = true;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running = false;
    resolve(code);
  }));
  const healthUrl = `http://127.0.0.1:${port}`;
  const operator: OperatorProcess = {
    identity: opts.identity,
    healthUrl,
    process: child,
    exited,
    isRunning: () => running,
    log: () => readFile(logFile, 'utf8'),
    async stop(signal = 'SIGTERM') {
      if (!running) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(() => httpAnswers(`${healthUrl}/healthz`), { what: `operator ${opts.identity} /healthz`, timeoutMs: 60_000, abort: () => (running ? undefined : 'the operator exited') });
  } catch (error) {
    await operator.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${(await operator.log()).slice(-3000)}`);
  }
  return operator;
}
