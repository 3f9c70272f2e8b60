// berth-operator as a host process (kwok's pods do not run containers): from the sources through tsx, with a
// kubeconfig given with --kubeconfig — in the tests, a ServiceAccount token kubeconfig, so the operator has
// exactly the RBAC the chart grants and not the admin's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../testbed/repo.ts';

export interface OperatorCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The operator's entry file in the sources (cli.ts, else main.ts); an error names what is missing. */
export function operatorEntry(root: string = repoRoot()): string {
  for (const name of ['cli.ts', 'main.ts']) {
    const file = join(root, 'operator', 'src', name);
    if (existsSync(file)) return file;
  }
  throw new Error('operator/src/cli.ts (the berth-operator entry point) does not exist');
}

export function operatorCommand(opts: { kubeconfig: string; namespace: string; metricsPort: number; proxyImage?: string; extraArgs?: string[] }): OperatorCommand {
  const root = repoRoot();
  return {
    command: process.execPath,
    args: ['--conditions=berth-source', '--import', 'tsx', operatorEntry(root), '--kubeconfig', opts.kubeconfig, `--health-addr=127.0.0.1:${opts.metricsPort}`, ...(opts.proxyImage ? [`--proxy-image=${opts.proxyImage}`] : []),
      // no pod image webhook unless asked for (a later --webhook-addr in extraArgs wins): host processes share ports
      '--webhook-addr=off', ...(opts.extraArgs ?? [])],
    env: {
      ...process.env,
      KUBECONFIG: opts.kubeconfig,
      KUBERNETES_SERVICE_HOST: '', // never the in-cluster config, even when the tests run in a pod
      POD_NAMESPACE: opts.namespace,
      POD_NAME: `berth-operator-host-${process.pid}`,
    },
    cwd: root,
  };
}
