// Upgrades and rotations without a failed pull (issue 16): a cache on S3-compatible storage (versitygw) with two
// replicas and a Redis index, installed with Helm on the real node, while the node's containerd pulls an image
// through it in a loop. Each event — the operator upgraded (it re-renders the proxy with a new image), the S3 keys
// rotated (and the old ones revoked), a proxy pod deleted — must cost no pull, and no pull may go around the cache.
// Then the same loop against a cache on a ReadWriteOnce volume (Recreate) rolled: what it costs, measured.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildImage, pushImage, run, startRedis, startRegistry, startVersitygw, useCluster,
  type Cluster, type Redis, type Registry, type S3Keys, type S3Server, type TestImage,
} from '../src/index.ts';
import { installBerth, splitReference, type BerthRelease } from '../src/install/release.ts';
import { allowNodeMirror, cacheProject, cacheVolume } from '../src/install/projects.ts';
import { PullLoop, type PullCounts } from '../src/install/pull-loop.ts';
import { repoRoot } from '../src/testbed/repo.ts';
import { waitFor } from '../src/testbed/wait.ts';

const RELEASE = 'berth';
const NAMESPACE = 'berth-rollouts';
const CACHES = 'berth-rollouts-caches';
const BUCKET = 'berth-cache';
/** Pulls that must end inside each event's window, besides those while it runs: the window is never empty. */
const AFTER_EACH = 3;

interface PodJson { metadata: { name: string; uid: string; deletionTimestamp?: string }; status: { podIP?: string; phase?: string } }

describe('a cache on S3 with two replicas through upgrades, rotations and pod deletions @real', function () {
  this.timeout(1_800_000);
  let cluster: Cluster;
  let berth: BerthRelease | undefined;
  let upstream: Registry | undefined;
  let s3: S3Server | undefined;
  let redis: Redis | undefined;
  let image: TestImage | undefined;
  let loop: PullLoop | undefined;
  let keys: S3Keys;
  const figures: Record<string, unknown> = {};

  const kubectl = (args: string[], input?: string) => cluster.kubectl(args, input === undefined ? {} : { input });
  /** The project's proxy pods, those terminating (a rollout's old ones, still draining) left out. */
  const proxyPods = async (project: string): Promise<PodJson[]> =>
    (JSON.parse(await kubectl(['get', 'pods', '-n', CACHES, '-l', `app.kubernetes.io/instance=berth-${project}`, '-o', 'json'])) as { items: PodJson[] })
      .items.filter((p) => !p.metadata.deletionTimestamp);
  const rolledOut = (project: string) => kubectl(['rollout', 'status', `deployment/berth-${project}`, '-n', CACHES, '--timeout=300s']);
  const s3Secret = (k: S3Keys) => JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'berth-s3', namespace: CACHES }, type: 'Opaque',
    stringData: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey },
  });
  /** Runs `event` while the loop pulls, then AFTER_EACH more pulls; the counts of that window. */
  const during = async (name: string, event: () => Promise<void>): Promise<PullCounts> => {
    const from = loop!.mark();
    const started = Date.now();
    await event();
    await loop!.pullsAfter(loop!.mark(), AFTER_EACH);
    const counts = loop!.counts(from);
    figures[name] = { ...counts, eventSeconds: (Date.now() - started) / 1000 };
    process.stdout.write(`      ${name}: ${JSON.stringify(figures[name])}\n`);
    return counts;
  };

  before(async () => {
    cluster = await useCluster();
    const address = cluster.hostAddress;
    upstream = await startRegistry({ address });
    s3 = await startVersitygw({ address, users: true });
    await s3.createBucket(BUCKET);
    redis = await startRedis({ address });
    // A small layer and one above the proxy's 16 MiB in-memory limit: every pull reads the bucket.
    image = await buildImage({ layerSizes: [1_000_000, 20_000_000] });
    await pushImage(image, `${upstream.host}/library/loop:v1`);
    berth = await installBerth(cluster, { release: RELEASE, namespace: NAMESPACE, set: ['operator.extraArgs={--resync-seconds=3}'] });
    await cluster.realNodeNamespace(CACHES);
    await allowNodeMirror(cluster, CACHES);
    // The first keys are an account of their own, so that the rotation can revoke them.
    keys = await s3.createUser();
    await kubectl(['apply', '-f', '-'], s3Secret(keys));
    const list = JSON.parse(cacheProject({ namespace: CACHES, name: 'hub', registry: 'docker.io', upstreamUrl: upstream.url, nodeSelector: cluster.realNode.labels })) as { items: { kind: string; spec: Record<string, unknown> }[] };
    const project = list.items.find((i) => i.kind === 'ProxyCacheProject')!;
    project.spec.storage = { s3: { endpoint: s3.endpoint, bucket: BUCKET, prefix: 'hub/', forcePathStyle: true, credentialsSecretRef: { name: 'berth-s3' } } };
    project.spec.replicas = 2;
    project.spec.index = { redis: { url: `${redis.url}/0` } };
    await kubectl(['apply', '-f', '-'], JSON.stringify(list));
    await kubectl(['wait', '-n', CACHES, '--for=condition=Ready', 'pcp/hub', '--timeout=300s']);
    const hostsToml = join(cluster.realNode.certsDir, 'docker.io', 'hosts.toml');
    await waitFor(async () => existsSync(hostsToml) && readFileSync(hostsToml, 'utf8').includes('berth-rollouts-caches/hub'), { what: `${hostsToml} for pcp/hub`, timeoutMs: 120_000 });
    const up = upstream;
    loop = new PullLoop({ containerdSocket: cluster.realNode.containerdSocket, hostsDir: cluster.realNode.certsDir, ref: 'docker.io/library/loop:v1', upstreamLog: () => up.accessLog() });
    loop.start();
    // Warm: the first pull fills the bucket from the upstream; the events start on a warm cache.
    await loop.pullsAfter(0, 2);
    assert.deepEqual(loop.counts(0), { ...loop.counts(0), failed: 0, fallback: 0 }, 'the loop does not pull through the cache before any event');
  });

  after(async () => {
    await loop?.stop();
    console.log(`      figures: ${JSON.stringify(figures)}`);
    if (process.env.BERTH_KEEP) return;
    await cluster?.kubectl(['delete', 'namespace', CACHES, '--ignore-not-found', '--wait=true', '--timeout=180s']).catch(() => undefined);
    await berth?.uninstall();
    await cluster?.kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    await cluster?.kubectl(['delete', 'pv', '-l', 'berth.dev/static-volume=true', '--ignore-not-found']).catch(() => undefined);
    await upstream?.stop();
    await s3?.stop();
    await redis?.stop();
    await image?.dispose();
  });

  it('renders RollingUpdate (surge 1, none unavailable), a PDB, no claim, and the keys as mounted files', async () => {
    const d = JSON.parse(await kubectl(['get', 'deployment', 'berth-hub', '-n', CACHES, '-o', 'json'])) as { spec: { strategy: unknown; template: { spec: { volumes: { name: string; emptyDir?: unknown; secret?: { secretName: string } }[] } } } };
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    assert.deepEqual(d.spec.template.spec.volumes.find((v) => v.name === 'storage')?.emptyDir, {});
    assert.equal(d.spec.template.spec.volumes.find((v) => v.name === 's3-credentials')?.secret?.secretName, 'berth-s3');
    const pdb = JSON.parse(await kubectl(['get', 'pdb', 'berth-hub', '-n', CACHES, '-o', 'json'])) as { spec: { maxUnavailable: number } };
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.match(await kubectl(['get', 'pvc', '-n', CACHES, '-o', 'name']), /^$/);
  });

  it('(a) the operator upgraded: it rolls, re-renders the proxy with a new image, and no pull fails', async () => {
    const [repo, tag] = splitReference(berth!.images.proxy);
    const next = `${tag}-next`;
    // The same proxy image under a new tag: what a new release changes in the operator's default.
    await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${berth!.images.proxy}`, `docker://${repo}:${next}`]);
    const counts = await during('operatorUpgrade', async () => {
      await berth!.helm(['upgrade', RELEASE, join(repoRoot(), 'charts', 'berth'), '-n', NAMESPACE, '--reuse-values', '--wait', '--timeout', '5m', '--set', `proxy.image.tag=${next}`]);
      await waitFor(async () => (await kubectl(['get', 'deployment', 'berth-hub', '-n', CACHES, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).endsWith(`:${next}`),
        { what: 'the proxy Deployment on the new image', timeoutMs: 180_000, intervalMs: 500 });
      await rolledOut('hub');
    });
    assert.equal(counts.failed, 0, JSON.stringify(counts));
    assert.equal(counts.fallback, 0, JSON.stringify(counts));
  });

  it('(b) the S3 keys rotated and the old ones revoked: no pod restarts and no pull fails', async () => {
    const before = (await proxyPods('hub')).map((p) => p.metadata.uid).sort();
    const old = keys;
    const counts = await during('s3KeyRotation', async () => {
      keys = await s3!.createUser();
      await kubectl(['apply', '-f', '-'], s3Secret(keys));
      // Each pod signs with the new keys once the kubelet swapped its files and its minute of cached keys ran out;
      // a blob GET straight to each pod makes it read the bucket, so the access log shows which key it signs with.
      const blob = image!.layerDigests[1]!;
      await waitFor(async () => {
        const pods = await proxyPods('hub');
        for (const pod of pods) await fetch(`http://${pod.status.podIP}:5000/v2/docker.io/library/loop/blobs/${blob}`).then((r) => r.arrayBuffer()).catch(() => undefined);
        const signers = new Set((await s3!.requests()).filter((r) => r.requester === keys.accessKeyId).map((r) => r.remoteIp));
        return pods.every((p) => signers.has(p.status.podIP ?? '')) || undefined;
      }, { what: 'every proxy pod to sign with the new keys', timeoutMs: 300_000, intervalMs: 5_000 });
      await s3!.deleteUser(old.accessKeyId);
    });
    assert.equal(counts.failed, 0, JSON.stringify(counts));
    assert.equal(counts.fallback, 0, JSON.stringify(counts));
    assert.deepEqual((await proxyPods('hub')).map((p) => p.metadata.uid).sort(), before, 'a pod was replaced for the rotation');
    const refused = (await s3!.requests()).filter((r) => r.requester === old.accessKeyId && r.status === 403);
    figures.requestsWithRevokedKeys = refused.length;
    // the keys never left the Secret: not in the status, the events, the ConfigMap or the operator's log
    const texts = await Promise.all([
      kubectl(['get', 'pcp', '-n', CACHES, '-o', 'json']), kubectl(['get', 'events', '-n', CACHES, '-o', 'json']),
      kubectl(['get', 'configmap', 'berth-hub', '-n', CACHES, '-o', 'json']), kubectl(['logs', '-n', NAMESPACE, 'deployment/berth']),
    ]);
    for (const text of texts) assert.ok(!text.includes(old.secretAccessKey) && !text.includes(keys.secretAccessKey), 'a secret access key leaked');
  });

  it('(c) a proxy pod deleted: the other serves, a new one takes its place, and no pull fails', async () => {
    const [victim] = await proxyPods('hub');
    const counts = await during('proxyPodDeleted', async () => {
      await kubectl(['delete', 'pod', victim!.metadata.name, '-n', CACHES, '--wait=true']);
      await rolledOut('hub');
      await waitFor(async () => (await proxyPods('hub')).filter((p) => p.status.phase === 'Running').length === 2 || undefined, { what: 'two proxy pods again', timeoutMs: 120_000 });
    });
    assert.equal(counts.failed, 0, JSON.stringify(counts));
    assert.equal(counts.fallback, 0, JSON.stringify(counts));
  });

  it('reports what two replicas on a bucket used under the loop: RSS per replica, Redis memory, objects in the bucket', async () => {
    figures.s3PullMs = medianPullMs(loop!);
    figures.proxyRssMiB = await proxyRssMiB();
    figures.redisUsedMemory = (await run('redis-cli', ['-h', cluster.hostAddress, '-p', String(redis!.port), 'info', 'memory'])).match(/used_memory_human:(\S+)/)?.[1];
    const objects = await s3!.listKeys(BUCKET, 'hub/');
    figures.bucketObjects = objects.length;
    assert.ok(objects.length >= 3, `the bucket holds ${objects.length} objects under hub/: the manifest and two layers at least`);
    assert.equal((figures.proxyRssMiB as number[]).length, 2, 'two proxy processes on the node');
  });

  it('a ReadWriteOnce cache rolled (Recreate): the pulls meanwhile go to the upstream through hosts.toml (measured)', async () => {
    await loop!.stop();
    await cacheVolume(cluster, { namespace: CACHES, project: 'rwo', size: '2Gi' });
    await kubectl(['apply', '-f', '-'], cacheProject({ namespace: CACHES, name: 'rwo', registry: 'quay.io', upstreamUrl: upstream!.url, nodeSelector: cluster.realNode.labels }));
    await kubectl(['wait', '-n', CACHES, '--for=condition=Ready', 'pcp/rwo', '--timeout=300s']);
    const hostsToml = join(cluster.realNode.certsDir, 'quay.io', 'hosts.toml');
    await waitFor(async () => existsSync(hostsToml) || undefined, { what: hostsToml, timeoutMs: 120_000 });
    const up = upstream!;
    loop = new PullLoop({ containerdSocket: cluster.realNode.containerdSocket, hostsDir: cluster.realNode.certsDir, ref: 'quay.io/library/loop:v1', upstreamLog: () => up.accessLog() });
    loop.start();
    await loop.pullsAfter(0, 2);
    const counts = await during('readWriteOnceRecreate', async () => {
      await kubectl(['rollout', 'restart', 'deployment/berth-rwo', '-n', CACHES]);
      await rolledOut('rwo');
    });
    figures.volumePullMs = medianPullMs(loop);
    // What is asserted: the node kept pulling (through the fallback); what it cost is the report.
    assert.equal(counts.failed, 0, JSON.stringify(counts));
    assert.ok(counts.pulls > 0);
  });
});

/** The median duration of the pulls the cache served. */
function medianPullMs(loop: PullLoop): number {
  const ms = loop.records.filter((r) => r.outcome === 'ok').map((r) => r.endedMs - r.startedMs).sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)] ?? 0;
}

/** Resident memory of each berth-proxy process on this machine (the real node's containers are its processes). */
async function proxyRssMiB(): Promise<number[]> {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('serve') || !cmdline.includes('/etc/berth/config/config.yaml')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (rss) out.push(Math.round(Number(rss) / 1024));
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}
