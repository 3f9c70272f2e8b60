// Measure 6: the real node's kubelet pulls the 200 MB image directly from the upstream, through a fresh Berth (cold)
// and through the same Berth again (warm), timed by the kubelet's own figure ("Successfully pulled image … in X",
// the pod's Pulled event). Distribution's pull-through cache, when given, is pulled through the same way in the same
// rounds: the reference a Berth figure is read against on the same node. It needs the local cluster with its real
// node, one per machine: when none runs, the measure takes the machine-wide lock, starts the cluster, and stops it
// and lets the lock go when done; a real node already running (its starter holds the lock) is used as it is. Berth
// runs on the host, where the node's containerd reaches it on loopback through certs.d/docker.io/hosts.toml, as
// Berth's node agent would write it; whatever certs.d held for docker.io and the upstream before is put back
// afterwards.
// - A first direct pull is not counted: a control plane and node that have just started (as when this measure starts
//   the cluster) are still settling, and the first round's direct pull paid for it alone.
// - Each fresh cache serves another image (the small one) before the cold pull, as a running cache would have: the
//   cold figure is the cache's, not its process's first request (see cold-pull.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeletPullSeconds, portOpen, releaseCluster, useCluster, waitFor, writeHostsToml, type Cluster } from '@berth/e2e';
import { imageBytes, type SeededImage } from '../images/seeded-image.ts';
import { DEFAULT_MACHINE_LOCK, holdMachineLock } from '../machine-lock.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { median } from '../stats/percentile.ts';
import { warmUp } from './warm-up.ts';

/** The kubelet's port: open when a real node runs on this machine. */
const KUBELET_PORT = 10250;
/** Another engineer's e2e run may hold the cluster for several minutes. */
const LOCK_WAIT_SECONDS = 900;
/** How the e2e cluster's `up` refuses to start a second real node (e2e/src/cluster/lifecycle.ts). */
const ANOTHER_REAL_NODE = /a real node runs already on this machine/;

/** Seconds of a cold pull through a fresh cache and of the warm pull after it (one pull each, or their medians). */
export interface CachePulls {
  cold: number;
  warm: number;
}

export interface KubeletPullFigures {
  imageBytes: number;
  runs: number;
  /** Median seconds of each kind of pull, as the kubelet reported them; `cold` and `warm` are Berth's. */
  direct: number;
  cold: number;
  warm: number;
  /** The same pulls through distribution's pull-through cache, when it was measured. */
  distribution?: CachePulls;
}

/** The caches the node pulls through: a fresh instance of each per round. */
export interface KubeletCaches {
  berth: PeerFactory;
  distribution?: PeerFactory;
}

/** What a certs.d/<registry> folder held before the measure wrote it, to put back. */
async function saveHostsDir(certsDir: string, registry: string): Promise<() => Promise<void>> {
  const file = join(certsDir, registry, 'hosts.toml');
  const before = await readFile(file, 'utf8').catch(() => undefined);
  return async () => {
    if (before === undefined) return rm(join(certsDir, registry), { recursive: true, force: true });
    await mkdir(join(certsDir, registry), { recursive: true });
    await writeFile(file, before);
  };
}

/** One pull of `ref` by the kubelet, from nothing on the node: a pod that only has to get its image pulled. */
async function kubeletPull(cluster: Cluster, namespace: string, ref: string): Promise<number> {
  await cluster.realNode.removeImage(ref);
  const name = `pull-${randomBytes(3).toString('hex')}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: ref, imagePullPolicy: 'IfNotPresent' }] },
  };
  await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  try {
    return await waitFor(() => kubeletPullSeconds(cluster, namespace, name), { what: `the kubelet's Pulled event of ${ref}`, timeoutMs: 300_000, intervalMs: 250 });
  } finally {
    await cluster.kubectl(['delete', 'pod', name, '-n', namespace, '--grace-period=0', '--wait=true']);
    // its blobs go too: the next pull must transfer the layers again
    await cluster.realNode.removeImage(ref);
  }
}

export async function measureKubeletPull(
  caches: KubeletCaches,
  image: SeededImage,
  before: SeededImage,
  upstream: { host: string },
  runs: number,
  lockFile: string = DEFAULT_MACHINE_LOCK,
): Promise<KubeletPullFigures> {
  if (await portOpen(KUBELET_PORT)) {
    try {
      // this worktree's cluster, started by whoever holds the lock (e.g. `flock FILE pnpm bench --only kubelet`)
      return await pullThroughCluster(caches, image, before, upstream, runs);
    } catch (err) {
      // another worktree's: wait for its holder to bring it down and let the lock go
      if (!ANOTHER_REAL_NODE.test((err as Error).message)) throw err;
    }
  }
  const lock = await holdMachineLock(lockFile, LOCK_WAIT_SECONDS);
  try {
    return await pullThroughCluster(caches, image, before, upstream, runs);
  } finally {
    await lock.release();
  }
}

/** A cold pull through a fresh instance of `fresh`, then a warm one through the same instance. */
async function pullThroughCache(cluster: Cluster, namespace: string, fresh: PeerFactory, image: SeededImage, before: SeededImage): Promise<CachePulls> {
  const cache = await fresh();
  try {
    await warmUp(cache, before);
    // the mirror only: a closed local port as the server, so a pull that misses the cache fails instead of leaving
    await writeHostsToml(cluster.realNode.certsDir, 'docker.io', [{ url: cache.url }], 'http://127.0.0.1:1');
    const ref = `docker.io/${image.repo}:${image.tag}`;
    const cold = await kubeletPull(cluster, namespace, ref);
    const warm = await kubeletPull(cluster, namespace, ref);
    return { cold, warm };
  } finally {
    await cache.stop();
  }
}

async function pullThroughCluster(caches: KubeletCaches, image: SeededImage, before: SeededImage, upstream: { host: string }, runs: number): Promise<KubeletPullFigures> {
  const cluster = await useCluster();
  const namespace = `bench-${randomBytes(3).toString('hex')}`;
  const restore = [await saveHostsDir(cluster.realNode.certsDir, upstream.host), await saveHostsDir(cluster.realNode.certsDir, 'docker.io')];
  const times = { direct: [] as number[], berth: [] as CachePulls[], distribution: [] as CachePulls[] };
  try {
    await cluster.realNodeNamespace(namespace);
    await cluster.realNode.allowPlainHttp(upstream.host);
    const direct = `${upstream.host}/${image.repo}:${image.tag}`;
    await kubeletPull(cluster, namespace, direct); // settling: not counted
    for (let i = 0; i < runs; i++) {
      times.direct.push(await kubeletPull(cluster, namespace, direct));
      times.berth.push(await pullThroughCache(cluster, namespace, caches.berth, image, before));
      if (caches.distribution) times.distribution.push(await pullThroughCache(cluster, namespace, caches.distribution, image, before));
    }
  } finally {
    for (const put of restore) await put();
    await cluster.kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    await releaseCluster();
  }
  const medians = (pulls: CachePulls[]): CachePulls => ({ cold: median(pulls.map((p) => p.cold)), warm: median(pulls.map((p) => p.warm)) });
  return {
    imageBytes: imageBytes(image),
    runs,
    direct: median(times.direct),
    ...medians(times.berth),
    ...(caches.distribution ? { distribution: medians(times.distribution) } : {}),
  };
}
