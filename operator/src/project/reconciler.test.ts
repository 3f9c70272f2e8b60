import assert from 'node:assert/strict';
import type { V1Deployment, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { projectReconciler } from './reconciler.ts';
import { cachesOf } from './caches.test-helper.ts';
import { statusKey } from './status-write.ts';
import type { NodeMirrorView } from './node-mirror-view.ts';
import { endpointReconciler } from '../endpoint/reconciler.ts';
import { silentLogger } from '../observe/logger.ts';
import type { ProbeInput, ProbeResult } from '../endpoint/registry-probe.ts';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import type { V1Service } from '@kubernetes/client-node';
import { createTestCa, type TestCa } from '@berth/e2e';
import { endpoint, issuePem, project, secret, tlsSecret } from '../children/fixtures.test-helper.ts';

const now = () => new Date('2026-01-01T00:00:00Z');
const noMirror: NodeMirrorView = { summarize: async () => undefined, projectsChanged: async () => {}, cleanup: () => ({ done: true }) };

function setup(probeResult: ProbeResult = { ok: true, reason: 'Authenticated', message: 'registry-1.docker.io accepted the credentials (token)' }) {
  const kube = new FakeKube();
  const probes: ProbeInput[] = [];
  const caches = cachesOf(kube);
  const reconcileProject = projectReconciler({
    kube, caches, nodeMirror: noMirror, defaultImage: 'ghcr.io/berth-dev/berth-proxy:0.1.0', log: silentLogger, now,
    stats: async () => ({ artifacts: 1, bytes: 1024, hits: 3, misses: 1, upstreamDeleted: 0, lastUpstreamError: null }),
  });
  const reconcileEndpoint = endpointReconciler({ kube, endpoints: caches.endpoints, log: silentLogger, now, probe: async (input) => (probes.push(input), probeResult) });
  return { kube, probes, reconcileProject, reconcileEndpoint };
}

const pcp = (spec: Parameters<typeof project>[0] = {}) => project(spec);
const getProject = (kube: FakeKube) => kube.find<ProxyCacheProject>('berth.dev/v1alpha1', 'ProxyCacheProject', 'cache', 'hub');
const ready = (p: ProxyCacheProject | RegistryEndpoint | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');

/** Stands in for the kube-controller-manager and kubelet: the volume binds and the pods become available. */
function settleChildren(kube: FakeKube): void {
  const pvc = kube.find<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', 'cache', 'berth-hub');
  if (pvc) pvc.status = { phase: 'Bound', capacity: { storage: '20Gi' } };
  const d = kube.find<V1Deployment>('apps/v1', 'Deployment', 'cache', 'berth-hub');
  if (d) d.status = { observedGeneration: d.metadata?.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
}

/** A project reconciled until Ready: its endpoint probed, its children written and settled. */
async function readyProject(): Promise<ReturnType<typeof setup>> {
  const t = setup();
  t.kube.put(endpoint());
  t.kube.put(pcp());
  await t.reconcileEndpoint('cache', 'docker-hub');
  await t.reconcileProject('cache', 'hub');
  settleChildren(t.kube);
  await t.reconcileProject('cache', 'hub');
  return t;
}

describe('project reconciler (in-memory apiserver)', () => {
  it('project: adds the finalizer, applies every child and becomes Ready once they settle', async () => {
    const { kube, reconcileProject, reconcileEndpoint } = setup();
    kube.put(endpoint());
    kube.put(pcp());
    await reconcileEndpoint('cache', 'docker-hub');
    await reconcileProject('cache', 'hub');
    assert.deepEqual(getProject(kube)?.metadata.finalizers, ['berth.dev/cleanup']);
    assert.deepEqual(kube.calls.filter((c) => c.startsWith('apply')), [
      'apply PersistentVolumeClaim berth-hub', 'apply ConfigMap berth-hub', 'apply Service berth-hub', 'apply Deployment berth-hub',
    ]);
    assert.equal(ready(getProject(kube))?.status, 'False');
    settleChildren(kube);
    const result = await reconcileProject('cache', 'hub');
    assert.equal(ready(getProject(kube))?.status, 'True');
    assert.equal(getProject(kube)?.status?.cache?.hitPercent, 75);
    assert.equal(result.requeueAfterMs, 60_000);
    assert.deepEqual(kube.events.map((e) => `${e.type} ${e.reason}`).slice(-1), ['Normal Available']);
  });

  it('project: is idempotent — a second run writes the same children and no new event', async () => {
    const { kube, reconcileProject } = await readyProject();
    const deployment = JSON.stringify(kube.find('apps/v1', 'Deployment', 'cache', 'berth-hub'));
    const events = kube.events.length;
    await reconcileProject('cache', 'hub');
    assert.equal(JSON.stringify(kube.find('apps/v1', 'Deployment', 'cache', 'berth-hub')).replace(/"resourceVersion":"\d+"/, ''), deployment.replace(/"resourceVersion":"\d+"/, ''));
    assert.equal(kube.events.length, events);
  });

  it('project: a reconcile of an unchanged project writes no status; a changed one writes it once', async () => {
    const { kube, reconcileProject } = await readyProject();
    const statusWrites = () => kube.calls.filter((c) => c === 'status ProxyCacheProject hub').length;
    const written = statusWrites();
    assert.equal(written, 2, 'the first reconcile and the one that saw the children settle both wrote');
    await reconcileProject('cache', 'hub');
    await reconcileProject('cache', 'hub');
    assert.equal(statusWrites(), written, 'nothing changed: no status write');
    const p = getProject(kube);
    if (p) p.metadata.generation = 2;
    await reconcileProject('cache', 'hub');
    assert.equal(statusWrites(), written + 1, 'a new generation is news: observedGeneration moves');
  });

  it('project: a deleted project waiting for node mirror cleanup writes its CleaningUp condition once', async () => {
    const kube = new FakeKube();
    const waiting: NodeMirrorView = { ...noMirror, cleanup: () => ({ done: false, waitingFor: ['n1'], message: 'waiting for the node agent on n1' }) };
    const reconcileProject = projectReconciler({ kube, caches: cachesOf(kube), nodeMirror: waiting, defaultImage: 'img', log: silentLogger, now, stats: async () => Promise.reject(new Error('no proxy')) });
    kube.put(endpoint());
    kube.put(pcp({ nodeMirror: { enabled: true } }));
    await reconcileProject('cache', 'hub');
    const p = getProject(kube);
    if (p) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const result = await reconcileProject('cache', 'hub');
    assert.equal(result.requeueAfterMs, 15_000);
    assert.equal(getProject(kube)?.status?.conditions?.find((c) => c.type === 'NodeMirrorReady')?.reason, 'CleaningUp');
    const statusWrites = () => kube.calls.filter((c) => c === 'status ProxyCacheProject hub').length;
    const written = statusWrites();
    await reconcileProject('cache', 'hub');
    assert.equal(statusWrites(), written, 'the same nodes still pending: no status write');
    assert.ok(getProject(kube), 'the finalizer holds');
  });

  it('project: reads from the apiserver only what no watch keeps: the Secrets', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint({ credentialsSecretRef: { name: 'c' } }));
    kube.put(secret('c', 'kubernetes.io/basic-auth', ['username', 'password']));
    kube.put(pcp());
    const reads: string[] = [];
    const realGet = kube.get.bind(kube);
    kube.get = async (ref) => (reads.push(`${ref.kind} ${ref.name}`), realGet(ref));
    await reconcileProject('cache', 'hub');
    settleChildren(kube);
    await reconcileProject('cache', 'hub');
    assert.deepEqual(reads, ['Secret c', 'Secret c'], 'the project, its endpoint, the claim, the Deployment and the Service come from the caches and the apply answers');
    assert.equal(kube.calls.filter((c) => c.startsWith('apply')).length, 8, 'four children, applied once per reconcile');
  });

  it('project: a missing endpoint is Ready=False EndpointNotFound, and no child is written', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(pcp());
    const result = await reconcileProject('cache', 'hub');
    assert.equal(ready(getProject(kube))?.reason, 'EndpointNotFound');
    assert.match(ready(getProject(kube))?.message ?? '', /set spec.endpointRef.name/);
    assert.equal(kube.calls.filter((c) => c.startsWith('apply')).length, 0);
    assert.equal(result.requeueAfterMs, 30_000);
  });

  it('project: an invalid proxy setting is reported with the proxy\'s own message', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint());
    kube.put(pcp({ cache: { tagTTL: '5x' } }));
    await reconcileProject('cache', 'hub');
    assert.equal(ready(getProject(kube))?.reason, 'InvalidConfiguration');
    assert.match(ready(getProject(kube))?.message ?? '', /tagTTL/);
  });

  it('project: a rotated Secret changes the Deployment\'s rollout hash', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint({ credentialsSecretRef: { name: 'c' } }));
    kube.put(secret('c', 'kubernetes.io/basic-auth', ['username', 'password']));
    kube.put(pcp());
    await reconcileProject('cache', 'hub');
    const hash = () => kube.find<V1Deployment>('apps/v1', 'Deployment', 'cache', 'berth-hub')?.spec?.template.metadata?.annotations?.['berth.dev/config-hash'];
    const before = hash();
    kube.put(secret('c', 'kubernetes.io/basic-auth', ['username', 'password']));
    await reconcileProject('cache', 'hub');
    assert.ok(before);
    assert.notEqual(hash(), before);
  });

  describe('project with spec.tls', function () {
    this.timeout(60_000); // openssl runs
    let ca: TestCa;
    let first: { cert: Buffer; key: Buffer };
    let renewed: { cert: Buffer; key: Buffer };
    before(async () => {
      ca = await createTestCa();
      first = await issuePem(ca, 'first', ['DNS:cache.example.com']);
      renewed = await issuePem(ca, 'renewed', ['DNS:cache.example.com']);
    });
    after(() => ca?.dispose());
    const condition = (type: string) => getProject(kube!)?.status?.conditions?.find((c) => c.type === type);
    let kube: FakeKube | undefined;
    const deployment = () => kube!.find<V1Deployment>('apps/v1', 'Deployment', 'cache', 'berth-hub');
    const hash = () => deployment()?.spec?.template.metadata?.annotations?.['berth.dev/config-hash'];

    it('waits for a Secret not yet issued, writing no child, and says so on Ready and TLSReady', async () => {
      const t = setup();
      kube = t.kube;
      kube.put(endpoint());
      kube.put(pcp({ tls: { secretName: 'cache-tls' } }));
      await t.reconcileProject('cache', 'hub');
      assert.equal(kube.calls.filter((c) => c.startsWith('apply')).length, 0);
      for (const type of ['Ready', 'TLSReady']) {
        assert.equal(condition(type)?.status, 'False');
        assert.equal(condition(type)?.reason, 'TLSSecretNotFound');
        assert.match(condition(type)?.message ?? '', /^Secret cache-tls \(spec\.tls\.secretName\) not found in namespace cache: .*cert-manager Certificate with spec\.secretName cache-tls/);
      }
    });

    it('refuses a pair that does not match, with no byte of the key in status or events', async () => {
      const t = setup();
      kube = t.kube;
      kube.put(endpoint());
      kube.put(tlsSecret('cache-tls', { cert: first.cert, key: renewed.key }));
      kube.put(pcp({ tls: { secretName: 'cache-tls' } }));
      await t.reconcileProject('cache', 'hub');
      assert.equal(condition('TLSReady')?.reason, 'TLSSecretInvalid');
      assert.match(condition('TLSReady')?.message ?? '', /tls\.key does not belong to the first certificate in tls\.crt \(for DNS:cache\.example\.com\)/);
      const shown = JSON.stringify([getProject(kube)?.status, kube.events]);
      for (const line of renewed.key.toString().split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) assert.ok(!shown.includes(line));
    });

    it('serves it: Service port 443, the Secret mounted, TLSReady True; a renewal rolls nothing, a new secretName rolls the pods', async () => {
      const t = setup();
      kube = t.kube;
      kube.put(endpoint());
      kube.put(tlsSecret('cache-tls', first));
      kube.put(pcp({ tls: { secretName: 'cache-tls' } }));
      await t.reconcileEndpoint('cache', 'docker-hub');
      await t.reconcileProject('cache', 'hub');
      settleChildren(kube);
      await t.reconcileProject('cache', 'hub');
      assert.equal(ready(getProject(kube))?.status, 'True');
      assert.equal(condition('TLSReady')?.reason, 'CertificateValid');
      const service = kube.find<V1Service>('v1', 'Service', 'cache', 'berth-hub');
      assert.deepEqual(service?.spec?.ports?.map((p) => `${p.name}:${p.port}`), ['http:5000', 'https:443']);
      assert.equal(deployment()?.spec?.template.spec?.volumes?.find((v) => v.name === 'serving-tls')?.secret?.secretName, 'cache-tls');
      const template = JSON.stringify(deployment()?.spec?.template);
      const before = condition('TLSReady')?.message;

      // cert-manager renews: the same Secret, new bytes, a new resourceVersion.
      kube.put(tlsSecret('cache-tls', renewed, '2'));
      await t.reconcileProject('cache', 'hub');
      assert.equal(JSON.stringify(deployment()?.spec?.template), template, 'a renewal must not roll the pods: they reload the files');
      assert.notEqual(condition('TLSReady')?.message, before, 'TLSReady shows the renewed certificate');

      kube.put(tlsSecret('other-tls', first));
      kube.put({ ...pcp({ tls: { secretName: 'other-tls' } }), metadata: { ...getProject(kube)!.metadata, generation: 2 } });
      await t.reconcileProject('cache', 'hub');
      assert.equal(hash(), JSON.parse(template).metadata.annotations['berth.dev/config-hash'], 'the config text is the same');
      assert.equal(deployment()?.spec?.template.spec?.volumes?.find((v) => v.name === 'serving-tls')?.secret?.secretName, 'other-tls');
      assert.notEqual(JSON.stringify(deployment()?.spec?.template), template, 'a new Secret name changes the pod template: the pods roll');
    });
  });

  it('project: a refused shrink keeps the volume and says why', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint());
    kube.put(pcp({ storage: { size: '20Gi' } }));
    await reconcileProject('cache', 'hub');
    const p = getProject(kube);
    if (p) p.spec.storage = { size: '5Gi' };
    await reconcileProject('cache', 'hub');
    const pvc = kube.find<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', 'cache', 'berth-hub');
    assert.equal(pvc?.spec?.resources?.requests?.storage, '20Gi');
    const degraded = getProject(kube)?.status?.conditions?.find((c) => c.type === 'Degraded');
    assert.equal(degraded?.reason, 'StorageShrinkRefused');
  });

  it('project: an Ingress no longer asked for is deleted once, not on every reconcile', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint());
    kube.put(pcp({ ingress: { host: 'c.example.com' } }));
    await reconcileProject('cache', 'hub');
    assert.ok(kube.find('networking.k8s.io/v1', 'Ingress', 'cache', 'berth-hub'));
    const deletes: string[] = [];
    const realDelete = kube.delete.bind(kube);
    kube.delete = async (ref) => {
      deletes.push(`${ref.kind} ${ref.name}`);
      return realDelete(ref);
    };
    const p = getProject(kube);
    if (p) delete p.spec.ingress;
    await reconcileProject('cache', 'hub');
    assert.equal(kube.find('networking.k8s.io/v1', 'Ingress', 'cache', 'berth-hub'), undefined);
    const first = [...deletes].sort();
    assert.deepEqual(first, ['Ingress berth-hub'], 'the PDB (one replica) was deleted by the first reconcile already');
    await reconcileProject('cache', 'hub');
    await reconcileProject('cache', 'hub');
    assert.deepEqual([...deletes].sort(), first, 'later reconciles send no DELETE');
    const again = getProject(kube);
    if (again) again.spec.ingress = { host: 'c.example.com' };
    await reconcileProject('cache', 'hub');
    assert.ok(kube.find('networking.k8s.io/v1', 'Ingress', 'cache', 'berth-hub'), 'asked for again: applied');
  });

  it('project: deletion removes the children, then releases the finalizer', async () => {
    const { kube, reconcileProject } = setup();
    kube.put(endpoint());
    kube.put(pcp({ replicas: 2, storage: { accessMode: 'ReadWriteMany' }, ingress: { host: 'c.example.com' } }));
    await reconcileProject('cache', 'hub');
    const p = getProject(kube);
    if (p) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    await reconcileProject('cache', 'hub');
    assert.equal(getProject(kube), undefined);
    assert.deepEqual([...kube.objects.keys()].filter((k) => k.includes('berth-hub')), []);
  });
});

describe('project status comparison', () => {
  it("leaves out podImageRewrite, which the webhook writes from every replica: the reconciler never writes it back", () => {
    const own = { registry: 'quay.io', cache: { hits: 1, updateTime: 'a' } };
    assert.equal(statusKey({ ...own, podImageRewrite: { rewritten: 5 } }), statusKey({ ...own, cache: { hits: 1, updateTime: 'b' } }));
    assert.notEqual(statusKey(own), statusKey({ ...own, registry: 'ghcr.io' }));
  });
});
