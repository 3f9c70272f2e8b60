// Berth as its users run it: built into images, pushed to a registry, installed with `helm install --wait`, running
// as real containers on the real node of the local control plane; then the seed scenarios end to end, with the
// node's own containerd pulling workload images through the node agent's hosts.toml and the cache's pod.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, pushImage, startRegistry, useCluster, type Cluster, type Registry, type TestImage } from '../src/index.ts';
import { installBerth, type BerthRelease } from '../src/install/release.ts';
import { allowNodeMirror, cacheProject, cacheVolume } from '../src/install/projects.ts';
import { kubeletPullSeconds, podsOf, rolledOut, scale, workloadManifest } from '../src/install/workloads.ts';
import { waitFor } from '../src/testbed/wait.ts';

const RELEASE = 'berth';
const NAMESPACE = 'berth-e2e';
const SEED = 'berth-seed';

describe('Berth installed with Helm on the real node @real', function () {
  this.timeout(1_200_000);
  let cluster: Cluster;
  let berth: BerthRelease | undefined;
  const registries: Registry[] = [];
  const images: TestImage[] = [];
  /** What the closing note reports: kubelet pull figures and the restart scenario. */
  const figures: Record<string, unknown> = {};

  const upstream = async (): Promise<Registry> => {
    const r = await startRegistry({ deleteEnabled: true, address: cluster.hostAddress });
    registries.push(r);
    return r;
  };
  const image = async (layerSizes: number[]): Promise<TestImage> => {
    const i = await buildImage({ layerSizes, runnable: true });
    images.push(i);
    return i;
  };
  const pcp = async (name: string): Promise<ProjectJson> => JSON.parse(await cluster.kubectl(['get', 'pcp', name, '-n', SEED, '-o', 'json'])) as ProjectJson;
  const project = async (name: string, registry: string, up: Registry): Promise<void> => {
    await cacheVolume(cluster, { namespace: SEED, project: name, size: '2Gi' });
    await cluster.kubectl(['apply', '-f', '-'], { input: cacheProject({ namespace: SEED, name, registry, upstreamUrl: up.url, nodeSelector: cluster.realNode.labels }) });
  };

  before(async function () {
    cluster = await useCluster();
    berth = await installBerth(cluster, { release: RELEASE, namespace: NAMESPACE, set: ['operator.extraArgs={--resync-seconds=3}'] });
    await cluster.realNodeNamespace(SEED);
    await allowNodeMirror(cluster, SEED); // a cluster admin's opt-in: its projects mirror onto nodes
  });

  after(async () => {
    if (process.env.BERTH_KEEP) return;
    // projects go while the operator still runs (it releases their finalizers and restores the node's files)
    await cluster?.kubectl(['delete', 'namespace', SEED, '--ignore-not-found', '--wait=true', '--timeout=180s']).catch(() => undefined);
    await berth?.uninstall();
    await cluster?.kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    await cluster?.kubectl(['delete', 'pv', '-l', 'berth.dev/static-volume=true', '--ignore-not-found']).catch(() => undefined);
    for (const r of registries) await r.stop();
    for (const i of images) await i.dispose();
    console.log(`      figures: ${JSON.stringify(figures)}`);
  });

  it('runs the operator as a real container on the real node: container ID, logs, readiness', async () => {
    const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app.kubernetes.io/name=berth-operator', '-o', 'json'])) as { items: PodJson[] };
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0]!;
    assert.equal(pod.spec.nodeName, cluster.realNode.name);
    const status = pod.status.containerStatuses[0]!;
    assert.match(status.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(status.ready, true);
    assert.match(status.imageID, new RegExp(`^${cluster.registry.replace(/\./g, '\\.')}/berth-dev/berth-operator@sha256:[0-9a-f]{64}$`));
    const logs = await cluster.kubectl(['logs', '-n', NAMESPACE, pod.metadata.name]);
    assert.match(logs, /\S/, 'kubectl logs returned nothing');
  });

  it("the API server admits the durations the proxy reads and refuses the others (the CRD's rules are its grammar)", async () => {
    const list = JSON.parse(cacheProject({ namespace: SEED, name: 'durations', registry: 'durations.example.com', upstreamUrl: 'https://durations.example.com' })) as { items: { spec: Record<string, unknown> }[] };
    const project = list.items[1]!;
    const apply = (tagTTL: string, unusedFor: string) => cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify({ ...project, spec: { ...project.spec, cache: { tagTTL, retention: { unusedFor } } } }),
    });
    for (const d of ['1.5h', '250ms', '1h30m', '30d', '0']) await apply(d, d);
    await assert.rejects(apply('5x', '720h'), /cache\.tagTTL must be a duration/);
    await assert.rejects(apply('5m', '1h 30m'), /cache\.retention\.unusedFor must be a duration/);
  });

  it('seed 001: a docker.io workload reaches Running through the cache the node agent pointed containerd at', async () => {
    const hub = await upstream();
    const demo = await image([3_000_000, 1_000_000]);
    await pushImage(demo, `${hub.host}/library/demo:v1`);
    await project('hub', 'docker.io', hub);
    await cluster.kubectl(['wait', '-n', SEED, '--for=condition=Ready', 'pcp/hub', '--timeout=240s']);
    // the node agent (a DaemonSet pod on the real node) writes the real node's certs.d
    const hostsToml = join(cluster.realNode.certsDir, 'docker.io', 'hosts.toml');
    await waitFor(async () => existsSync(hostsToml), { what: hostsToml, timeoutMs: 120_000 });
    const mirror = (await pcp('hub')).status.urls.nodeMirror;
    assert.ok(readFileSync(hostsToml, 'utf8').includes(mirror), `hosts.toml does not name the cache ${mirror}`);

    await cluster.realNode.removeImage('docker.io/library/demo:v1'); // an earlier run's, on this machine
    await cluster.kubectl(['apply', '-f', '-'], { input: workloadManifest({ name: 'demo', namespace: SEED, image: 'docker.io/library/demo:v1' }) });
    await rolledOut(cluster, SEED, 'demo');
    const [pod] = await podsOf(cluster, SEED, 'demo');
    assert.equal(pod?.phase, 'Running');
    assert.equal(pod?.nodeName, cluster.realNode.name);
    assert.match(pod?.containerId ?? '', /^containerd:\/\//);
    // every request the upstream saw came from Berth's proxy, none from the node's containerd
    const log = await hub.accessLog();
    assert.ok(log.some((e) => e.path.endsWith(`/blobs/${demo.layerDigests[0]}`)), 'the cache never fetched the layer');
    assert.deepEqual(log.filter((e) => /containerd/i.test(e.userAgent)), [], 'the node pulled from the upstream directly');
    // `kubectl get pcp` shows what the cache holds
    const cached = await waitFor(async () => {
      const s = (await pcp('hub')).status.cache;
      return s && (s.artifacts ?? 0) > 0 ? s : undefined;
    }, { what: 'status.cache of pcp/hub', timeoutMs: 60_000 });
    assert.ok((cached.bytes ?? 0) >= 4_000_000);
    const table = await cluster.kubectl(['get', 'pcp', 'hub', '-n', SEED]);
    assert.match(table, /CACHED\s+HIT%/);
    figures.pcp = table.trim();
  });

  it('seed 000: after the upstream deletes the image, a recreated pod starts from the cache', async () => {
    const hub = registries[0]!;
    const demo = images[0]!;
    const del = await fetch(`${hub.url}/v2/library/demo/manifests/${demo.manifestDigest}`, { method: 'DELETE' });
    assert.equal(del.status, 202);
    assert.equal((await fetch(`${hub.url}/v2/library/demo/manifests/v1`, { method: 'HEAD' })).status, 404);
    const [before] = await podsOf(cluster, SEED, 'demo');
    // the pod goes, the image leaves the node, then the pod is recreated (a new node, an evicted image: the same)
    await scale(cluster, SEED, 'demo', 0);
    const removed = await cluster.realNode.removeImage('docker.io/library/demo:v1');
    assert.equal(removed.length, 3, `expected the tag, repo@digest and config references, got ${removed.join(', ')}`);
    await scale(cluster, SEED, 'demo', 1);
    await rolledOut(cluster, SEED, 'demo');
    const [after] = await podsOf(cluster, SEED, 'demo');
    assert.notEqual(after?.name, before?.name);
    assert.equal(after?.phase, 'Running');
    assert.ok((await kubeletPullSeconds(cluster, SEED, after!.name)) !== undefined, 'the kubelet did not pull again');
  });

  it('seed 002: five projects like Harbor\'s five endpoints, each with its own upstream, one running pod each', async () => {
    const registriesOf = ['quay.io', 'gcr.io', 'k8s.gcr.io', 'ghcr.io'];
    const names = ['quay', 'gcr', 'k8sgcr', 'ghcr'];
    for (const [i, registry] of registriesOf.entries()) {
      const up = await upstream();
      const img = await image([500_000 + i]);
      await pushImage(img, `${up.host}/berth/app-${names[i]}:v1`);
      await project(names[i]!, registry, up);
    }
    await cluster.kubectl(['wait', '-n', SEED, '--for=condition=Ready', ...names.map((n) => `pcp/${n}`), '--timeout=300s']);
    for (const registry of ['docker.io', ...registriesOf]) {
      await waitFor(async () => existsSync(join(cluster.realNode.certsDir, registry, 'hosts.toml')), { what: `hosts.toml of ${registry}`, timeoutMs: 120_000 });
    }
    for (const [i, registry] of registriesOf.entries()) {
      await cluster.realNode.removeImage(`${registry}/berth/app-${names[i]}:v1`);
      await cluster.kubectl(['apply', '-f', '-'], { input: workloadManifest({ name: `app-${names[i]}`, namespace: SEED, image: `${registry}/berth/app-${names[i]}:v1` }) });
    }
    for (const n of names) await rolledOut(cluster, SEED, `app-${n}`);
    for (const n of names) assert.equal((await podsOf(cluster, SEED, `app-${n}`))[0]?.phase, 'Running');
    const table = await cluster.kubectl(['get', 'pcp', '-n', SEED]);
    for (const n of ['hub', ...names]) assert.match(table, new RegExp(`^${n}\\s`, 'm'));
  });

  it('the kubelet\'s pull of a small and a ~200 MB image: direct, through Berth cold, through Berth warm (reported)', async () => {
    const hub = registries[0]!;
    const small = await image([2_000_000]);
    await pushImage(small, `${hub.host}/library/small:v1`);
    const big = await image([80_000_000, 60_000_000, 40_000_000, 20_000_000]);
    await pushImage(big, `${hub.host}/library/big:v1`);
    // direct: the upstream by its own address, plain HTTP for this one host
    await cluster.realNode.allowPlainHttp(hub.host);
    const run = async (name: string, ref: string): Promise<number> => {
      await cluster.realNode.removeImage(ref);
      await cluster.kubectl(['apply', '-f', '-'], { input: workloadManifest({ name, namespace: SEED, image: ref }) });
      await rolledOut(cluster, SEED, name, '300s');
      const [pod] = await podsOf(cluster, SEED, name);
      const seconds = await waitFor(async () => kubeletPullSeconds(cluster, SEED, pod!.name), { what: `Pulled event of ${pod!.name}`, timeoutMs: 30_000 });
      await scale(cluster, SEED, name, 0);
      await cluster.kubectl(['delete', 'deployment', name, '-n', SEED, '--wait=true']);
      // its blobs go too: the next pull, under another name, must not find the same layers on the node
      await cluster.realNode.removeImage(ref);
      return seconds;
    };
    // seconds, the kubelet's own "Successfully pulled … in X"
    const pulls = { small: {} as Record<string, number>, big: {} as Record<string, number> };
    for (const name of ['small', 'big'] as const) {
      pulls[name].direct = await run(`${name}-direct`, `${hub.host}/library/${name}:v1`);
      pulls[name].berthCold = await run(`${name}-cold`, `docker.io/library/${name}:v1`);
      pulls[name].berthWarm = await run(`${name}-warm`, `docker.io/library/${name}:v1`);
    }
    figures.kubeletPulls = pulls;
    // a pull of the 200 MB image that took no time transferred nothing: the measurement would be void
    for (const s of Object.values(pulls.big)) assert.ok(s > 0.2, JSON.stringify(pulls));
  });

  it('the cache\'s Deployment rolled while a workload pulls: the pull still completes (what it saw is reported)', async () => {
    const hub = registries[0]!;
    const img = await image([120_000_000]);
    await pushImage(img, `${hub.host}/library/rolling:v1`);
    const started = Date.now();
    await cluster.realNode.removeImage('docker.io/library/rolling:v1');
    await cluster.kubectl(['apply', '-f', '-'], { input: workloadManifest({ name: 'rolling', namespace: SEED, image: 'docker.io/library/rolling:v1' }) });
    // roll the cache as soon as the pull has reached it
    await waitFor(async () => (await hub.accessLog()).some((e) => e.path.includes('/rolling/blobs/')), { what: 'the cache fetching the layer', timeoutMs: 60_000 });
    await cluster.kubectl(['rollout', 'restart', 'deployment/berth-hub', '-n', SEED]);
    await rolledOut(cluster, SEED, 'rolling', '300s');
    const [pod] = await podsOf(cluster, SEED, 'rolling');
    const events = await cluster.kubectl(['get', 'events', '-n', SEED, '--field-selector', `involvedObject.name=${pod!.name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
    const direct = (await hub.accessLog()).filter((e) => e.path.includes('/rolling/') && /containerd/i.test(e.userAgent)).length;
    figures.rollDuringPull = { seconds: (Date.now() - started) / 1000, events: events.trim().split('\n'), requestsFromNodeDirect: direct };
    assert.equal(pod?.phase, 'Running');
  });

  it("the operator did all of it with its chart ServiceAccount's RBAC: no denial in its log", async () => {
    const log = await cluster.kubectl(['logs', '-n', NAMESPACE, 'deployment/berth']);
    assert.match(log, /berth-operator started/);
    assert.doesNotMatch(log, /forbidden/i, 'the operator hit an RBAC denial');
  });
});

interface PodJson {
  metadata: { name: string };
  spec: { nodeName: string };
  status: { containerStatuses: { containerID: string; ready: boolean; imageID: string }[] };
}

interface ProjectJson {
  status: { urls: { nodeMirror: string }; cache?: { artifacts?: number; bytes?: number } };
}
