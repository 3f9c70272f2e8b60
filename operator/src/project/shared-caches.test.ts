import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Deployment, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { parseProxyConfig } from '@berth/contracts/proxy-config';
import type { ProxyCacheProject, ProxyCacheProjectSpec, RegistryEndpoint } from '../api/index.ts';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { silentLogger } from '../observe/logger.ts';
import { cachesOf } from './caches.test-helper.ts';
import type { NodeMirrorView } from './node-mirror-view.ts';
import { projectReconciler } from './reconciler.ts';

const noMirror: NodeMirrorView = { summarize: async () => undefined, projectsChanged: async () => {}, cleanup: () => ({ done: true }) };
const NAME = 'berth-cache-harbor';

function setup() {
  const kube = new FakeKube();
  const reconcile = projectReconciler({
    kube, caches: cachesOf(kube), nodeMirror: noMirror, defaultImage: 'ghcr.io/berth-dev/berth-proxy:0.1.0', log: silentLogger,
    now: () => new Date('2026-01-10T00:00:00Z'),
    stats: async () => ({
      artifacts: 9, bytes: 9000, hits: 9, misses: 1, upstreamDeleted: 0, lastUpstreamError: null,
      projects: { quay: { artifacts: 2, bytes: 2048, hits: 1, misses: 1, upstreamDeleted: 0, lastUpstreamError: null } },
    }),
  });
  return { kube, reconcile };
}

function add(kube: FakeKube, name: string, registry: string, day: number, spec: Partial<ProxyCacheProjectSpec> = {}): void {
  kube.put<RegistryEndpoint>({ apiVersion: 'berth.dev/v1alpha1', kind: 'RegistryEndpoint', metadata: { name, namespace: 'cache' }, spec: { provider: 'oci', url: `https://${registry}` }, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Probed', message: 'ok', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
  kube.put<ProxyCacheProject>({
    apiVersion: 'berth.dev/v1alpha1', kind: 'ProxyCacheProject',
    metadata: { name, namespace: 'cache', creationTimestamp: `2026-01-0${day}T00:00:00Z` },
    spec: { endpointRef: { name }, registry, sharedCache: 'harbor', ...spec },
  });
}

const get = <T>(kube: FakeKube, kind: string, name = NAME, apiVersion = kind === 'Deployment' ? 'apps/v1' : 'v1') => kube.find<T>(apiVersion, kind, 'cache', name);
const projectOf = (kube: FakeKube, name: string) => kube.find<ProxyCacheProject>('berth.dev/v1alpha1', 'ProxyCacheProject', 'cache', name);
const ready = (kube: FakeKube, name: string) => projectOf(kube, name)?.status?.conditions?.find((c) => c.type === 'Ready');
const configured = (kube: FakeKube) => parseProxyConfig(get<V1ConfigMap>(kube, 'ConfigMap')?.data?.['config.yaml'] ?? '').projects.map((p) => p.name);
const owners = (kube: FakeKube) => get<V1Deployment>(kube, 'Deployment')?.metadata?.ownerReferences?.map((o) => o.name);

function settle(kube: FakeKube): void {
  const pvc = get<V1PersistentVolumeClaim>(kube, 'PersistentVolumeClaim');
  if (pvc) pvc.status = { phase: 'Bound', capacity: { storage: '20Gi' } };
  const d = get<V1Deployment>(kube, 'Deployment');
  if (d) d.status = { observedGeneration: d.metadata?.generation, replicas: 1, updatedReplicas: 1, availableReplicas: 1 };
}

async function deleteProject(kube: FakeKube, reconcile: ReturnType<typeof setup>['reconcile'], name: string): Promise<void> {
  const p = projectOf(kube, name)!;
  p.metadata.deletionTimestamp = '2026-01-10T00:00:00Z';
  await reconcile('cache', name);
}

async function threeMembers() {
  const t = setup();
  add(t.kube, 'hub', 'docker.io', 1);
  add(t.kube, 'quay', 'quay.io', 2);
  add(t.kube, 'ghcr', 'ghcr.io', 3);
  for (const name of ['hub', 'quay', 'ghcr']) await t.reconcile('cache', name);
  settle(t.kube);
  for (const name of ['hub', 'quay', 'ghcr']) await t.reconcile('cache', name);
  return t;
}

describe('shared caches (in-memory apiserver)', () => {
  it('three members: one Deployment, Service, PVC and ConfigMap, the config listing all three; each member Ready at the one address', async () => {
    const { kube } = await threeMembers();
    const proxies = [...kube.objects.values()].filter((o) => o.kind === 'Deployment').map((o) => o.metadata?.name);
    assert.deepEqual(proxies, [NAME]);
    assert.deepEqual(configured(kube), ['hub', 'quay', 'ghcr']);
    assert.deepEqual(owners(kube), ['hub', 'quay', 'ghcr']);
    for (const name of ['hub', 'quay', 'ghcr']) {
      assert.equal(ready(kube, name)?.status, 'True', `${name}: ${ready(kube, name)?.message}`);
      assert.equal(projectOf(kube, name)?.status?.urls?.inCluster, `http://${NAME}.cache.svc:5000`);
    }
    // A member's figures are its own part of the proxy's stats.
    assert.equal(projectOf(kube, 'quay')?.status?.cache?.bytes, 2048);
  });

  it('a member whose instance settings differ is served with the oldest member\'s, and told which field to align', async () => {
    const { kube, reconcile } = await threeMembers();
    projectOf(kube, 'hub')!.spec.resources = { limits: { memory: '1Gi' } };
    await reconcile('cache', 'hub');
    projectOf(kube, 'ghcr')!.spec.resources = { limits: { memory: '2Gi' } };
    await reconcile('cache', 'ghcr');
    const condition = ready(kube, 'ghcr');
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'CacheSettingsConflict');
    assert.match(condition?.message ?? '', /spec\.resources differs from ProxyCacheProject hub's, which shared cache harbor runs with/);
    assert.deepEqual(configured(kube), ['hub', 'quay', 'ghcr']);
    assert.equal(get<V1Deployment>(kube, 'Deployment')?.spec?.template.spec?.containers[0]?.resources?.limits?.memory, '1Gi');
    settle(kube);
    await reconcile('cache', 'hub');
    assert.equal(ready(kube, 'hub')?.status, 'True');
  });

  it('a second member of one registry is left out with CacheRegistryConflict; the others are served', async () => {
    const { kube, reconcile } = await threeMembers();
    add(kube, 'hub2', 'docker.io', 4);
    await reconcile('cache', 'hub2');
    assert.equal(ready(kube, 'hub2')?.reason, 'CacheRegistryConflict');
    assert.match(ready(kube, 'hub2')?.message ?? '', /registry docker\.io is already served in shared cache harbor by ProxyCacheProject hub/);
    assert.deepEqual(configured(kube), ['hub', 'quay', 'ghcr']);
  });

  it('a member that cannot be read (its endpoint gone) is left out; the rest of the cache is still written', async () => {
    const { kube, reconcile } = await threeMembers();
    kube.objects.delete('berth.dev/v1alpha1/RegistryEndpoint/cache/quay');
    await reconcile('cache', 'quay');
    assert.equal(ready(kube, 'quay')?.reason, 'EndpointNotFound');
    assert.deepEqual(configured(kube), ['hub', 'ghcr']);
  });

  it('deleting a member rewrites the cache without it and keeps the children; deleting the last removes them', async () => {
    const { kube, reconcile } = await threeMembers();
    await deleteProject(kube, reconcile, 'hub');
    assert.equal(projectOf(kube, 'hub'), undefined, 'the finalizer was released');
    assert.deepEqual(configured(kube), ['quay', 'ghcr']);
    assert.deepEqual(owners(kube), ['quay', 'ghcr']);
    // quay is now the oldest: the root member (served at /v2/) moves to it.
    assert.equal(parseProxyConfig(get<V1ConfigMap>(kube, 'ConfigMap')?.data?.['config.yaml'] ?? '').projects[0]?.default, true);
    await deleteProject(kube, reconcile, 'quay');
    assert.deepEqual(configured(kube), ['ghcr']);
    await deleteProject(kube, reconcile, 'ghcr');
    const left = [...kube.objects.values()].filter((o) => o.metadata?.name === NAME).map((o) => o.kind);
    assert.deepEqual(left, []);
  });

  it('a project that joins a cache leaves its own instance once the cache serves it: its own children are removed once', async () => {
    const { kube, reconcile } = setup();
    add(kube, 'hub', 'docker.io', 1, { sharedCache: undefined });
    await reconcile('cache', 'hub');
    assert.ok(get(kube, 'Deployment', 'berth-hub'));
    projectOf(kube, 'hub')!.spec.sharedCache = 'harbor';
    // Not before the cache serves it: while it cannot (its Secret missing), its own instance keeps serving.
    projectOf(kube, 'hub')!.spec.access = { htpasswdSecretRef: { name: 'users' } };
    await reconcile('cache', 'hub');
    assert.equal(ready(kube, 'hub')?.reason, 'SecretNotFound');
    assert.ok(get(kube, 'Deployment', 'berth-hub'));
    delete projectOf(kube, 'hub')!.spec.access;
    await reconcile('cache', 'hub');
    assert.equal(get(kube, 'Deployment', 'berth-hub'), undefined);
    assert.equal(get(kube, 'PersistentVolumeClaim', 'berth-hub'), undefined);
    assert.deepEqual(configured(kube), ['hub']);
    const deletes = kube.calls.filter((c) => c.startsWith('delete'));
    await reconcile('cache', 'hub');
    assert.deepEqual(kube.calls.filter((c) => c.startsWith('delete')), deletes, 'nothing more to remove');
  });

  it('a member that leaves: its own instance, the cache rewritten without it; the last to leave takes the children with it', async () => {
    const { kube, reconcile } = await threeMembers();
    for (const name of ['hub', 'quay']) {
      delete projectOf(kube, name)!.spec.sharedCache;
      await reconcile('cache', name);
      assert.ok(get(kube, 'Deployment', `berth-${name}`));
    }
    // The controller wakes the members of the cache a project left: ghcr's reconcile drops them.
    await reconcile('cache', 'ghcr');
    assert.deepEqual(configured(kube), ['ghcr']);
    assert.deepEqual(owners(kube), ['ghcr']);
    delete projectOf(kube, 'ghcr')!.spec.sharedCache;
    await reconcile('cache', 'ghcr');
    assert.ok(get(kube, 'Deployment', 'berth-ghcr'));
    assert.deepEqual([...kube.objects.values()].filter((o) => o.metadata?.name === NAME).map((o) => o.kind), []);
  });

  it('a cache name whose children a project of its own already uses is refused, naming that project', async () => {
    const { kube, reconcile } = setup();
    add(kube, 'cache-harbor', 'quay.io', 1, { sharedCache: undefined });
    add(kube, 'hub', 'docker.io', 2);
    await reconcile('cache', 'cache-harbor');
    await reconcile('cache', 'hub');
    assert.equal(ready(kube, 'hub')?.reason, 'CacheNameTaken');
    assert.match(ready(kube, 'hub')?.message ?? '', /ProxyCacheProject cache-harbor already uses/);
    assert.deepEqual(configured(kube), ['cache-harbor'], 'the project of its own keeps its config');
  });
});
