// Runs berth-operator from its sources as a child process (tsx, `berth-source` condition), the way the real
// tests drive it: with a ServiceAccount token kubeconfig, health on a free loopback port, output in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
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
}

export async function startOperator(opts: StartOperatorOptions): Promise<OperatorProcess> {
  const port = await freePort();
  const root = repoRoot();
  const logFile = join(opts.logDir, `operator-${opts.identity}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [
      '--conditions=berth-source', '--import', 'tsx', join(root, 'operator/src/cli.ts'),
      '--kubeconfig', opts.kubeconfig,
      '--operator-namespace', 'berth-system',
      '--identity', opts.identity,
      '--health-addr', `127.0.0.1:${port}`,
      '--leader-election-lease-seconds', '6',
      '--leader-election-renew-seconds', '2',
      '--resync-seconds', '30',
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
