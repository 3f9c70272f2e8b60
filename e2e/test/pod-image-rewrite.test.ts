// Pod image rewriting (issue 11) as users meet it: Berth installed with its chart on the local control plane, the
// real apiserver calling the operator's webhook over TLS through the chart's MutatingWebhookConfiguration (the CA
// the operator made and wrote into it), a cache of "quay.io" (a local docker-registry) without node mirroring,
// and pods in opted-in namespaces:
// - on the real node, a pod of quay.io/<org>/<app>:v1 runs from the rewritten image, pulled through the cache;
// - on kwok's nodes (no pulls), everything else: an image the cache cannot serve, a Deployment, a Pod update,
//   init and ephemeral containers, digests, Audit mode, what is never rewritten, and the webhook stopped.
import assert from 'node:assert/strict';
import { buildImage, pushImage, startRegistry, useCluster, waitFor, type Cluster, type Registry, type TestImage } from '../src/index.ts';
import { installBerth, type BerthRelease } from '../src/install/release.ts';
import { allowNodeMirror, cacheProject, cacheVolume } from '../src/install/projects.ts';

const RELEASE = 'berth';
const BERTH_NS = 'berth-rewrite-e2e';
const CACHES = 'rewrite-caches';
/** Opted in, pods on the real node. */
const REAL = 'rewrite-real';
/** Opted in, pods on kwok's nodes. */
const APPS = 'rewrite-apps';
/** Not opted in. */
const PLAIN = 'rewrite-plain';
const OPT_IN = 'berth.dev/pod-image-rewrite=enabled';

interface PodJson {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[]; initContainers?: { image: string }[]; ephemeralContainers?: { name: string; image: string }[] };
  status?: { phase?: string };
}
interface RewriteStatus { address?: string; rewritten?: number; audited?: number; skipped?: number; checkFailures?: number; lastCheckFailure?: { image: string; message: string } }

describe('pod image rewriting through the webhook @real', function () {
  this.timeout(900_000);
  let cluster: Cluster;
  let berth: BerthRelease | undefined;
  let upstream: Registry;
  let app: TestImage;
  /** The cache as rewritten images name it: its ClusterIP:5000. */
  let cache: string;
  let digest: string;

  const pod = async (ns: string, name: string): Promise<PodJson> => JSON.parse(await cluster.kubectl(['get', 'pod', name, '-n', ns, '-o', 'json'])) as PodJson;
  const createPod = async (ns: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): Promise<PodJson> => {
    const manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { terminationGracePeriodSeconds: 1, ...spec } };
    return JSON.parse(await cluster.kubectl(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify(manifest) })) as PodJson;
  };
  const status = async (): Promise<RewriteStatus> =>
    (JSON.parse(await cluster.kubectl(['get', 'pcp', 'quay', '-n', CACHES, '-o', 'json'])) as { status?: { podImageRewrite?: RewriteStatus } }).status?.podImageRewrite ?? {};
  const annotation = (p: PodJson, name: string): Record<string, string> => JSON.parse(p.metadata.annotations?.[name] ?? '{}') as Record<string, string>;
  const metrics = async (): Promise<string> => cluster.kubectl(['get', '--raw', `/api/v1/namespaces/${BERTH_NS}/services/berth-metrics:8080/proxy/metrics`]);

  before(async () => {
    cluster = await useCluster();
    berth = await installBerth(cluster, { release: RELEASE, namespace: BERTH_NS, set: ['operator.extraArgs={--resync-seconds=3}'] });
    upstream = await startRegistry({ address: cluster.hostAddress });
    app = await buildImage({ layerSizes: [1_500_000], runnable: true });
    for (const tag of ['v1', 'v2']) await pushImage(app, `${upstream.host}/org/app:${tag}`);
    digest = app.manifestDigest;
    await cluster.realNodeNamespace(CACHES);
    // A cluster admin trusts this namespace to serve others (as for node mirroring): its cache may rewrite their pods.
    await allowNodeMirror(cluster, CACHES);
    await cacheVolume(cluster, { namespace: CACHES, project: 'quay', size: '2Gi' });
    await cluster.kubectl(['apply', '-f', '-'], { input: cacheProject({
      namespace: CACHES, name: 'quay', registry: 'quay.io', upstreamUrl: upstream.url, nodeMirror: false,
      podImageRewrite: { enabled: true, address: 'clusterIP' },
    }) });
    await cluster.realNodeNamespace(REAL);
    for (const ns of [APPS, PLAIN]) await cluster.kubectl(['create', 'namespace', ns]);
    for (const ns of [REAL, APPS]) await cluster.kubectl(['label', 'namespace', ns, OPT_IN, '--overwrite']);
    await cluster.kubectl(['wait', '-n', CACHES, '--for=condition=Ready', 'pcp/quay', '--timeout=240s']);
    cache = await waitFor(async () => (await status()).address, { what: 'status.podImageRewrite.address of pcp/quay', timeoutMs: 60_000 });
    // The node trusts the cache's address over plain HTTP, as a cluster admin makes nodes trust a cache's address
    // (an HTTPS ingress host needs nothing). No hosts.toml names quay.io: the node has no mirror for it.
    await cluster.realNode.allowPlainHttp(cache);
  });

  after(async () => {
    if (process.env.BERTH_KEEP) return;
    for (const ns of [REAL, APPS, PLAIN, CACHES]) await cluster?.kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=180s']).catch(() => undefined);
    await berth?.uninstall();
    await cluster?.kubectl(['delete', 'namespace', BERTH_NS, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    await cluster?.kubectl(['delete', 'pv', '-l', 'berth.dev/static-volume=true', '--ignore-not-found']).catch(() => undefined);
    await upstream?.stop();
    await app?.dispose();
  });

  it('the apiserver calls the webhook over TLS with the CA the operator made and wrote into the configuration', async () => {
    const config = JSON.parse(await cluster.kubectl(['get', 'mutatingwebhookconfiguration', 'berth-pod-image-rewrite', '-o', 'json'])) as { webhooks: { clientConfig: { caBundle?: string } }[] };
    const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'berth-webhook-tls', '-n', BERTH_NS, '-o', 'json'])) as { type: string; data: Record<string, string> };
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.equal(config.webhooks[0]?.clientConfig.caBundle, secret.data['ca.crt']);
    // a server-side dry run goes through admission: the answer shows the rewrite, nothing is created
    const dry = await waitFor(async () => {
      const p = JSON.parse(await cluster.kubectl(['create', '-f', '-', '--dry-run=server', '-o', 'json'], { input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dry', namespace: APPS }, spec: { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] },
      }) })) as PodJson;
      return p.spec.containers[0]?.image.startsWith(cache) ? p : undefined;
    }, { what: 'a dry-run pod rewritten', timeoutMs: 60_000, intervalMs: 1_000 });
    assert.equal(dry.spec.containers[0]?.image, `${cache}/quay.io/org/app:v1`);
  });

  it('on the real node, a pod of quay.io/org/app:v1 runs from the rewritten image, pulled through the cache', async () => {
    await cluster.realNode.removeImage(`${cache}/quay.io/org/app:v1`);
    const created = await createPod(REAL, 'app', { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] });
    assert.equal(created.spec.containers[0]?.image, `${cache}/quay.io/org/app:v1`);
    assert.deepEqual(annotation(created, 'berth.dev/original-images'), { 'containers/app': 'quay.io/org/app:v1' });
    await cluster.kubectl(['wait', '-n', REAL, '--for=condition=Ready', 'pod/app', '--timeout=180s']);
    const events = await cluster.kubectl(['get', 'events', '-n', REAL, '--field-selector', 'involvedObject.name=app,reason=Pulled', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, new RegExp(`"${cache.replace(/\./g, '\\.')}/quay\\.io/org/app:v1"`), events);
    // the upstream saw the cache fetch the layer, and nothing from the node's containerd
    const log = await upstream.accessLog();
    assert.ok(log.some((e) => app.layerDigests.some((d) => e.path.endsWith(`/org/app/blobs/${d}`))), 'the cache never fetched a layer');
    assert.deepEqual(log.filter((e) => /containerd/i.test(e.userAgent)), [], 'the node pulled from the upstream directly');
    await waitFor(async () => ((await status()).rewritten ?? 0) >= 1, { what: 'status.podImageRewrite.rewritten', timeoutMs: 60_000, intervalMs: 1_000 });
  });

  it('a pod whose image the cache cannot serve keeps it, with a Warning Event on the project and a metric', async () => {
    const created = await createPod(APPS, 'missing', { containers: [{ name: 'app', image: 'quay.io/org/missing:v1' }, { name: 'ok', image: 'quay.io/org/app:v1' }] });
    assert.deepEqual(created.spec.containers.map((c) => c.image), ['quay.io/org/missing:v1', `${cache}/quay.io/org/app:v1`]);
    assert.deepEqual(annotation(created, 'berth.dev/pod-image-rewrite-skipped'), { 'containers/app': 'CheckFailed' });
    const event = await waitFor(async () => {
      const text = await cluster.kubectl(['get', 'events', '-n', CACHES, '--field-selector', 'involvedObject.name=quay,reason=ImageCheckFailed', '-o', 'jsonpath={.items[*].message}']);
      return text.includes('quay.io/org/missing:v1') ? text : undefined;
    }, { what: 'the ImageCheckFailed Event', timeoutMs: 30_000, intervalMs: 500 });
    assert.match(event, /pod rewrite-apps\/missing keeps quay\.io\/org\/missing:v1 .*the cache answered 404/);
    const s = await waitFor(async () => { const st = await status(); return (st.checkFailures ?? 0) >= 1 ? st : undefined; }, { what: 'status.podImageRewrite.checkFailures', timeoutMs: 60_000, intervalMs: 1_000 });
    assert.equal(s.lastCheckFailure?.image, 'quay.io/org/missing:v1');
    assert.match(await metrics(), /berth_operator_pod_image_check_failures_total\{namespace="rewrite-caches",project="quay"\} [1-9]/);
  });

  it("a Deployment's pods are rewritten while the Deployment keeps what the user wrote; a new tag rolls out rewritten", async () => {
    const deployment = (image: string) => JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: APPS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
    });
    await cluster.kubectl(['apply', '-f', '-'], { input: deployment('quay.io/org/app:v1') });
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '-n', APPS, '--timeout=120s']);
    const images = async () => (JSON.parse(await cluster.kubectl(['get', 'pods', '-n', APPS, '-l', 'app=web', '-o', 'json'])) as { items: PodJson[] }).items.map((p) => p.spec.containers[0]?.image);
    assert.deepEqual(await images(), [`${cache}/quay.io/org/app:v1`, `${cache}/quay.io/org/app:v1`]);
    // no drift for GitOps: the template still names quay.io, and a re-apply changes nothing
    assert.equal((await cluster.kubectl(['get', 'deployment', 'web', '-n', APPS, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim(), 'quay.io/org/app:v1');
    assert.match(await cluster.kubectl(['apply', '-f', '-'], { input: deployment('quay.io/org/app:v1') }), /unchanged/);
    await cluster.kubectl(['set', 'image', 'deployment/web', '-n', APPS, 'web=quay.io/org/app:v2']);
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '-n', APPS, '--timeout=120s']);
    await waitFor(async () => (await images()).every((i) => i === `${cache}/quay.io/org/app:v2`) || undefined, { what: 'the v2 pods, rewritten', timeoutMs: 60_000 });
  });

  it('a Pod update (kubectl set image) is rewritten; an update that changes no image leaves the pod as it was', async () => {
    await createPod(APPS, 'single', { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] });
    await cluster.kubectl(['set', 'image', 'pod/single', '-n', APPS, 'app=quay.io/org/app:v2']);
    const updated = await pod(APPS, 'single');
    assert.equal(updated.spec.containers[0]?.image, `${cache}/quay.io/org/app:v2`);
    assert.deepEqual(annotation(updated, 'berth.dev/original-images'), { 'containers/app': 'quay.io/org/app:v2' });
    await cluster.kubectl(['label', 'pod/single', '-n', APPS, 'touched=yes']);
    const relabelled = await pod(APPS, 'single');
    assert.deepEqual([relabelled.spec.containers[0]?.image, relabelled.metadata.annotations?.['berth.dev/original-images']], [updated.spec.containers[0]?.image, updated.metadata.annotations?.['berth.dev/original-images']]);
  });

  it('rewrites every init container, ephemeral containers (kubectl debug) and digest references', async () => {
    const created = await createPod(APPS, 'many', {
      initContainers: [{ name: 'one', image: 'quay.io/org/app:v1' }, { name: 'two', image: `quay.io/org/app@${digest}` }],
      containers: [{ name: 'app', image: `quay.io/org/app:v2@${digest}` }],
    });
    assert.deepEqual(created.spec.initContainers?.map((c) => c.image), [`${cache}/quay.io/org/app:v1`, `${cache}/quay.io/org/app@${digest}`]);
    assert.equal(created.spec.containers[0]?.image, `${cache}/quay.io/org/app:v2@${digest}`);
    await cluster.kubectl(['debug', 'pod/many', '-n', APPS, '--image=quay.io/org/app:v1', '--container=debugger', '--attach=false', '--stdin=false']);
    const debugged = await pod(APPS, 'many');
    assert.equal(debugged.spec.ephemeralContainers?.find((c) => c.name === 'debugger')?.image, `${cache}/quay.io/org/app:v1`);
  });

  it('never rewrites pods of a namespace not opted in, pods that opt out, kube-system or Berth-managed pods', async () => {
    const spec = { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] };
    const untouched = [
      await createPod(PLAIN, 'plain', spec),
      await createPod(APPS, 'opted-out', spec, { 'berth.dev/pod-image-rewrite': 'disabled' }),
      await createPod('kube-system', 'rewrite-e2e-system', spec),
      await createPod(APPS, 'berth-managed', spec, { 'app.kubernetes.io/managed-by': 'berth-operator' }),
    ];
    await cluster.kubectl(['delete', 'pod', 'rewrite-e2e-system', '-n', 'kube-system', '--wait=false']);
    for (const p of untouched) {
      assert.equal(p.spec.containers[0]?.image, 'quay.io/org/app:v1', p.metadata.name);
      assert.equal(p.metadata.annotations?.['berth.dev/original-images'], undefined, p.metadata.name);
    }
  });

  it('Audit mode annotates the image it would rewrite and changes none', async () => {
    await cluster.kubectl(['patch', 'pcp', 'quay', '-n', CACHES, '--type=merge', '-p', '{"spec":{"podImageRewrite":{"mode":"Audit"}}}']);
    try {
      const audited = await waitFor(async () => {
        await cluster.kubectl(['delete', 'pod', 'audited', '-n', APPS, '--ignore-not-found', '--wait=true']);
        const p = await createPod(APPS, 'audited', { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] });
        return p.metadata.annotations?.['berth.dev/pod-image-rewrite-audit'] ? p : undefined;
      }, { what: 'a pod admitted in Audit mode', timeoutMs: 30_000, intervalMs: 500 });
      assert.equal(audited.spec.containers[0]?.image, 'quay.io/org/app:v1');
      assert.deepEqual(annotation(audited, 'berth.dev/pod-image-rewrite-audit'), { 'containers/app': `${cache}/quay.io/org/app:v1` });
      await waitFor(async () => ((await status()).audited ?? 0) >= 1, { what: 'status.podImageRewrite.audited', timeoutMs: 60_000, intervalMs: 1_000 });
    } finally {
      await cluster.kubectl(['patch', 'pcp', 'quay', '-n', CACHES, '--type=merge', '-p', '{"spec":{"podImageRewrite":{"mode":"Rewrite"}}}']);
    }
  });

  it('reports per project in the operator\'s metrics: rewritten, skipped by reason, check failures', async () => {
    const text = await metrics();
    assert.match(text, /berth_operator_pod_images_rewritten_total\{namespace="rewrite-caches",project="quay",mode="Rewrite"\} [1-9]/);
    assert.match(text, /berth_operator_pod_images_skipped_total\{namespace="rewrite-caches",project="quay",reason="CheckFailed"\} [1-9]/);
    assert.match(text, /berth_operator_webhook_requests_total\{outcome="patched"\} [1-9]/);
    assert.match(text, /berth_operator_webhook_certificate_expiry_timestamp_seconds \d/);
  });

  it('the CRD refuses an address node runtimes cannot resolve or reach, with the fix in the message', async () => {
    const apply = (rewrite: Record<string, unknown>, extra: Record<string, unknown> = {}) => cluster.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify({
      apiVersion: 'berth.dev/v1alpha1', kind: 'ProxyCacheProject', metadata: { name: 'bad', namespace: CACHES },
      spec: { endpointRef: { name: 'quay' }, registry: 'quay.io', podImageRewrite: { enabled: true, ...rewrite }, ...extra },
    }) });
    await assert.rejects(apply({ address: 'berth-quay.rewrite-caches.svc:5000' }), /must not be a \*\.svc name/);
    await assert.rejects(apply({ address: 'https://cache.example.com' }), /host\[:port\] without scheme/);
    await assert.rejects(apply({ address: 'ingress' }), /ingress needs ingress\.host/);
    await assert.rejects(apply({ checkUpstream: { enabled: false, platforms: ['linux/amd64'] } }), /platforms needs checkUpstream\.enabled/);
    await apply({ address: 'cache.example.com:443', match: ['^quay\\.io/'], checkUpstream: { platforms: ['linux/arm64/v8'] } });
  });

  it('with the webhook stopped, pods are still admitted, unchanged', async () => {
    await cluster.kubectl(['scale', 'deployment/berth', '-n', BERTH_NS, '--replicas=0']);
    try {
      await cluster.kubectl(['wait', '--for=delete', 'pod', '-n', BERTH_NS, '-l', 'app.kubernetes.io/name=berth-operator', '--timeout=120s']).catch((err: Error) => {
        if (!/no matching resources/i.test(err.message)) throw err;
      });
      const p = await createPod(APPS, 'no-webhook', { containers: [{ name: 'app', image: 'quay.io/org/app:v1' }] });
      assert.equal(p.spec.containers[0]?.image, 'quay.io/org/app:v1');
      assert.equal(p.metadata.annotations?.['berth.dev/original-images'], undefined);
    } finally {
      await cluster.kubectl(['scale', 'deployment/berth', '-n', BERTH_NS, '--replicas=1']);
      await cluster.kubectl(['rollout', 'status', 'deployment/berth', '-n', BERTH_NS, '--timeout=180s']);
    }
  });
});
