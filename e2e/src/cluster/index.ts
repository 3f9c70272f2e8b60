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
import { writeTree } from './hoststate.ts';
import {
  bridgeAddress,
  containerdCertsDir,
  hostsToml,
  realNodeNamespaceAnnotations,
  nodePaths,
  realNodeLabel,
  realNodeName,
  realNodeVolumesDir,
  registryAddress,
} from './realnode.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * The real node (realnode.ts): a kubelet with containerd, runc, a CNI bridge and kube-proxy beside kwok's fake
 * nodes. It is tainted (realNodeTaint), so pods that run fake images stay on the fake nodes, where kwok "runs" them
 * without an image. Pods that must really run tolerate the taint and select it: every pod of a namespace made
 * with `Cluster.realNodeNamespace()` does.
 */
export interface RealNode {
  /** the Node's name, also its InternalIP and kubernetes.io/hostname: 127.0.0.1 */
  name: string;
  /** a nodeSelector that picks the real node: {"berth.dev/node": "real"} */
  labels: Record<string, string>;
  /** the node's containerd registry hosts dir, the host's /etc/containerd/certs.d (Berth's node agent writes it) */
  certsDir: string;
  /** the node's containerd socket (ctr --address … -n k8s.io) */
  containerdSocket: string;
  /** its release: 'system' (Debian's 1.6) or the bed's build chosen by `up --containerd` (BERTH_CONTAINERD), e.g. v2.1.9 */
  containerd: string;
  /** a host folder for hostPath PersistentVolumes on the node (removed by `down`) */
  volumesDir: string;
  /** removes an image from the node's containerd: every reference the CRI keeps (tag, repo@digest, sha256:<config>)
   *  and its blobs; resolves with the references removed, so the next pull fetches it again */
  removeImage(ref: string): Promise<string[]>;
  /** lets the node pull from `host` (host:port) over plain HTTP, directly: certs.d/<host>/hosts.toml */
  allowPlainHttp(host: string): Promise<void>;
}

export interface Cluster {
  /** the admin kubeconfig (client certificate, system:masters) */
  kubeconfig: string;
  /** runs the pinned kubectl as admin; resolves with stdout, rejects with stderr in the message */
  kubectl(args: string[], opts?: KubectlOptions): Promise<string>;
  /** stops the apiserver and starts it again on the same port; resolves when /readyz is ok */
  restartApiserver(): Promise<void>;
  /** a kubeconfig (path) that authenticates as the ServiceAccount with a TokenRequest token */
  serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
  /** the real node (see RealNode) */
  realNode: RealNode;
  /**
   * The cluster registry, host:port (127.0.0.1:5000): push images as `${registry}/berth/<name>:<tag>`; the real
   * node pulls them over plain HTTP. Its storage outlives `down`. Holds berth/pause:1 and berth/busybox:1.
   */
  registry: string;
  /** the host's address on the pod bridge (10.88.0.1): a server bound there is reachable from pods and the node */
  hostAddress: string;
  /** creates (or annotates) a namespace whose pods all run on the real node (PodNodeSelector, PodTolerationRestriction) */
  realNodeNamespace(namespace: string): Promise<void>;
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
  const { alreadyUp, state } = await up(layout, bins);
  const startedHere = !alreadyUp;
  if (!state.realNode) throw new Error(`the cluster in ${layout.root} runs without the real node (BERTH_REAL_NODE=0); \`pnpm cluster down\` and up again`);
  const socket = nodePaths(layout).containerdSocket;
  const ctr = async (args: string[]): Promise<string> => (await exec('ctr', ['--address', socket, '-n', 'k8s.io', ...args])).stdout;
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
    realNode: {
      name: realNodeName,
      labels: { [realNodeLabel.key]: realNodeLabel.value },
      certsDir: containerdCertsDir,
      containerdSocket: socket,
      containerd: state.realNode.containerd ?? 'system',
      volumesDir: realNodeVolumesDir(layout),
      removeImage: async (ref) => {
        const rows = (await ctr(['images', 'ls'])).split('\n').slice(1).map((l) => l.split(/\s+/)).filter((r) => r.length >= 3);
        const wanted = normalizeRef(ref);
        const digest = rows.find((r) => r[0] === wanted)?.[2];
        if (!digest) return [];
        const refs = rows.filter((r) => r[2] === digest).map((r) => r[0]!);
        // the blobs too: a stopped container's snapshot can keep them from the garbage collector, and a pull finds
        // blobs in the content store without fetching them (a pull figure would then measure no transfer)
        const blobs = await imageBlobs(ctr, digest);
        await ctr(['images', 'rm', '--sync', ...refs]);
        for (const blob of blobs) await ctr(['content', 'rm', blob]).catch(() => undefined);
        return refs;
      },
      allowPlainHttp: async (host) => {
        await writeTree(containerdCertsDir, { [join(host, 'hosts.toml')]: hostsToml(`http://${host}`, [`http://${host}`]) });
      },
    },
    registry: registryAddress,
    hostAddress: bridgeAddress,
    realNodeNamespace: async (namespace) => {
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, annotations: realNodeNamespaceAnnotations() } };
      await kubectl(['apply', '-f', '-'], { input: JSON.stringify(ns) });
    },
  };
  return { layout, startedHere, cluster };
}

/** The manifest (or each platform's, under an index), its config and its layers, as stored by the node. */
async function imageBlobs(ctr: (args: string[]) => Promise<string>, digest: string): Promise<string[]> {
  const doc = JSON.parse(await ctr(['content', 'get', digest]).catch(() => '{}')) as { manifests?: { digest: string }[]; config?: { digest: string }; layers?: { digest: string }[] };
  const nested = await Promise.all((doc.manifests ?? []).map((m) => imageBlobs(ctr, m.digest)));
  return [digest, ...(doc.config ? [doc.config.digest] : []), ...(doc.layers ?? []).map((l) => l.digest), ...nested.flat()];
}

/** docker.io/library/x:v1 for x:v1, as containerd's CRI names images (a tag `latest` when none is given). */
export function normalizeRef(ref: string): string {
  const first = ref.split('/')[0]!;
  const hasHost = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let full = hasHost ? ref : `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
  const last = full.slice(full.lastIndexOf('/') + 1);
  if (!last.includes(':') && !full.includes('@')) full += ':latest';
  return full;
}

/** Stops the cluster if this process started it (the mocha root hook's afterAll). */
export async function releaseCluster(): Promise<void> {
  const current = session;
  if (!current) return;
  session = undefined;
  const s = await current.catch(() => undefined);
  if (s?.startedHere) await down(s.layout);
}
