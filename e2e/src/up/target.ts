// Which cluster `./dev up` uses: the current kube context when there is one (and BERTH_LOCAL is not set),
// otherwise the test bed's local control plane, started when it is not up.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runKubectl } from '../cluster/kubectl.ts';
import { clusterLayout, requireBinaries } from '../cluster/layout.ts';
import { isUp, up } from '../cluster/lifecycle.ts';

const exec = promisify(execFile);

export interface Target {
  mode: 'local' | 'context';
  kubeconfig: string;
  startedCluster: boolean;
  /** kubectl against this target; stdout back. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** A human name for the output, e.g. "context kind-dev" or "the local control plane (e2e/.cluster)". */
  description: string;
}

export async function currentContext(): Promise<string | undefined> {
  try {
    const { stdout } = await exec('kubectl', ['config', 'current-context']);
    return stdout.trim() || undefined;
  } catch {
    return undefined; // no kubectl on PATH, or no context
  }
}

export async function chooseTarget(opts: { forceLocal: boolean }): Promise<Target> {
  const context = opts.forceLocal ? undefined : await currentContext();
  if (context) {
    const kubeconfig = process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
    let pinned: string | undefined;
    try {
      pinned = requireBinaries().kubectl;
    } catch {
      pinned = undefined;
    }
    const bin = pinned && existsSync(pinned) ? pinned : 'kubectl';
    return { mode: 'context', kubeconfig, startedCluster: false, kubectl: (args, input) => runKubectl(bin, kubeconfig, args, { input }), description: `kube context ${context}` };
  }
  const layout = clusterLayout();
  const bins = requireBinaries();
  const startedCluster = !(await isUp(layout));
  if (startedCluster) await up(layout, bins);
  return {
    mode: 'local',
    kubeconfig: layout.kubeconfig,
    startedCluster,
    kubectl: (args, input) => runKubectl(bins.kubectl, layout.kubeconfig, args, { input }),
    description: `the local control plane (${layout.root}; kwok nodes)`,
  };
}
