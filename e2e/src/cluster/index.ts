// The local control plane as the mocha suites use it: `useCluster()` reuses a running cluster or starts one;
// a cluster this process started is stopped by the root hook (mocha-hooks.ts) when the run ends.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiserverUrl } from './components.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { runKubectl, type KubectlOptions } from './kubectl.ts';
import { clusterLayout, requireBinaries, type ClusterLayout } from './layout.ts';
import { down, restartApiserver, up } from './lifecycle.ts';
import { pkiFiles } from './pki.ts';
import { readState } from './state.ts';

export interface Cluster {
  /** the admin kubeconfig (client certificate, system:masters) */
  kubeconfig: string;
  /** runs the pinned kubectl as admin; resolves with stdout, rejects with stderr in the message */
  kubectl(args: string[], opts?: KubectlOptions): Promise<string>;
  /** stops the apiserver and starts it again on the same port; resolves when /readyz is ok */
  restartApiserver(): Promise<void>;
  /** a kubeconfig (path) that authenticates as the ServiceAccount with a TokenRequest token */
  serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
}

interface Session {
  layout: ClusterLayout;
  startedHere: boolean;
  cluster: Cluster;
}

// One per process: concurrent callers share the same start, and the root hook knows whether to stop it.
let session: Promise<Session> | undefined;

export function useCluster(): Promise<Cluster> {
  session ??= open().catch((err: unknown) => {
    session = undefined;
    throw err;
  });
  return session.then((s) => s.cluster);
}

async function open(): Promise<Session> {
  const layout = clusterLayout();
  const bins = requireBinaries();
  // up() decides under its lock: a cluster another process started meanwhile counts as already up
  const startedHere = !(await up(layout, bins)).alreadyUp;
  const kubectl = (args: string[], opts?: KubectlOptions): Promise<string> => runKubectl(bins.kubectl, layout.kubeconfig, args, opts);
  const cluster: Cluster = {
    kubeconfig: layout.kubeconfig,
    kubectl,
    restartApiserver: () => restartApiserver(layout),
    serviceAccountKubeconfig: async (namespace, serviceAccount) => {
      const state = readState(layout);
      if (!state) throw new Error('the local control plane is not up');
      // long enough for any test run; the token lives only in a 0600 file under e2e/.cluster
      const token = (await kubectl(['create', 'token', serviceAccount, '-n', namespace, '--duration=24h'])).trim();
      const dir = join(layout.kubeconfigs, 'serviceaccounts');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${namespace}.${serviceAccount}.kubeconfig`);
      const text = renderKubeconfig({ server: apiserverUrl(state.ports), caFile: pkiFiles(layout.pki).caCert, userName: `${namespace}:${serviceAccount}`, user: { token }, namespace });
      await writeFile(file, text, { mode: 0o600 });
      await chmod(file, 0o600); // writeFile's mode applies only when it creates the file
      return file;
    },
  };
  return { layout, startedHere, cluster };
}

/** Stops the cluster if this process started it (the mocha root hook's afterAll). */
export async function releaseCluster(): Promise<void> {
  const current = session;
  if (!current) return;
  session = undefined;
  const s = await current.catch(() => undefined);
  if (s?.startedHere) await down(s.layout);
}
