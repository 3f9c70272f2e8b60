import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Node } from '@kubernetes/client-node';
import { NodeMirrorSync, type NodeMirrorSources } from './sync.ts';
import { desiredNodeAgent } from './desired.ts';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { endpoint, project } from '../children/fixtures.test-helper.ts';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import { projectReconciler } from '../project/reconciler.ts';
import { cachesOf } from '../project/caches.test-helper.ts';
import { silentLogger } from '../observe/logger.ts';

function mirrored(name: string, created: string): ProxyCacheProject {
  const p = project({ nodeMirror: { enabled: true } }, name);
  p.metadata.creationTimestamp = created;
  p.status = { registry: 'docker.io', urls: { nodeMirror: 'http://10.0.0.9:5000' } };
  return p;
}

function sync(projects: ProxyCacheProject[], nodes: V1Node[] = [], reports: V1ConfigMap[] = [], allowedNamespaces: string[] = ['cache']) {
  const kube = new FakeKube();
  let queued = 0;
  const sources: NodeMirrorSources = { projects: () => projects, endpoints: () => [endpoint()], reports: () => reports, nodes: () => nodes, allowedNamespaces: () => new Set(allowedNamespaces) };
  const s = new NodeMirrorSync({ kube, sources, namespace: 'berth-system', image: 'img:1', enqueueAgent: () => queued++ });
  return { kube, s, queued: () => queued };
}

describe('node mirror wiring', () => {
  it('applies the agent ConfigMap and DaemonSet once a project mirrors, and not before', async () => {
    const off = sync([project()]);
    await off.s.syncAgent();
    assert.deepEqual(off.kube.calls, []);
    const on = sync([mirrored('hub', '2026-01-01T00:00:00Z')]);
    await on.s.syncAgent();
    await on.s.syncAgent();
    assert.deepEqual(on.kube.calls, ['apply ConfigMap berth-node-agent', 'apply DaemonSet berth-node-agent'], 'the second, unchanged sync writes nothing');
  });

  it('queues the agent when projects change', async () => {
    const { s, queued } = sync([]);
    await s.projectsChanged();
    assert.equal(queued(), 1);
  });

  it('leaves status alone for a project without nodeMirror, and tells the younger of two projects it conflicts', async () => {
    const older = mirrored('older', '2026-01-01T00:00:00Z');
    const younger = mirrored('younger', '2026-02-01T00:00:00Z');
    const { s } = sync([older, younger], [{ metadata: { name: 'n1', labels: {} } }]);
    assert.equal(await s.summarize(project()), undefined);
    assert.equal((await s.summarize(younger))?.condition.reason, 'Conflict');
    const first = await s.summarize(older);
    assert.deepEqual([first?.configured, first?.total, first?.condition.reason], [0, 1, 'Pending']);
  });

  it('refuses a project whose namespace is not allowed: no agent for it alone, NamespaceNotAllowed with the fix', async () => {
    const hub = mirrored('hub', '2026-01-01T00:00:00Z');
    const refused = sync([hub], [{ metadata: { name: 'n1', labels: {} } }], [], []);
    await refused.s.syncAgent();
    assert.deepEqual(refused.kube.calls, [], 'the agent DaemonSet is not created for a refused project');
    const condition = (await refused.s.summarize(hub))?.condition;
    assert.equal(condition?.reason, 'NamespaceNotAllowed');
    assert.match(condition?.message ?? '', /kubectl label namespace cache berth\.dev\/node-mirror=allowed/);
    const allowed = sync([hub], [{ metadata: { name: 'n1', labels: {} } }], [], ['cache']);
    await allowed.s.syncAgent();
    assert.equal((await allowed.s.summarize(hub))?.condition.reason, 'Pending');
  });

  describe('work per reconcile: O(changed), not O(projects)', () => {
    const N = 40;

    /** n mirroring projects, each of its own registry, reconciled by the real reconciler over an in-memory
     *  apiserver, with a node mirror whose renderer counts its calls. */
    function cluster() {
      const kube = new FakeKube();
      kube.put(endpoint());
      for (let i = 0; i < N; i++) kube.put(project({ nodeMirror: { enabled: true }, registry: `r${i}.example.com` }, `p${i}`));
      const caches = cachesOf(kube);
      let renders = 0;
      const s = new NodeMirrorSync({
        kube,
        namespace: 'berth-system',
        image: 'img:1',
        enqueueAgent: () => {},
        render: (...args) => (renders++, desiredNodeAgent(...args)),
        sources: {
          projects: () => caches.projects.list(),
          endpoints: () => caches.endpoints.list(),
          reports: () => [],
          nodes: () => [{ metadata: { name: 'n1' } }],
          allowedNamespaces: () => new Set(['cache']),
        },
      });
      // The endpoints' watch listed it before any reconcile.
      for (const e of caches.endpoints.list()) s.endpointEvent(e, 'add');
      const reconcile = projectReconciler({ kube, caches, nodeMirror: s, defaultImage: 'img', log: silentLogger, stats: async () => Promise.reject(new Error('no proxy')) });
      /** One resync: every project reconciled; the renders it cost. */
      const resync = async () => {
        const before = renders;
        for (let i = 0; i < N; i++) await reconcile('cache', `p${i}`);
        return renders - before;
      };
      /** The watch delivering every project as it now is (its status written back). */
      const watchDelivers = () => caches.projects.list().filter((p) => s.projectEvent(p, 'update')).length;
      return { kube, caches, s, resync, watchDelivers };
    }

    it(`renders the agent's config once for ${N} projects whose inputs changed, and not at all for a resync that changed nothing`, async () => {
      const { resync, watchDelivers } = cluster();
      assert.equal(await resync(), 1, 'the first resync: one rendering serves every project');
      assert.equal(watchDelivers(), N, 'each status write gave its project a registry: an input of the agent');
      assert.equal(await resync(), 1, `one rendering after ${N} changes, not one per project`);
      assert.equal(watchDelivers(), 0, 'the second resync wrote nothing the agent reads');
      assert.equal(await resync(), 0, 'a resync of unchanged projects renders nothing');
    });

    it('a status write that moves only the cache figures, or an endpoint probe, renders nothing; a new node address renders once', async () => {
      const { kube, caches, s, resync, watchDelivers } = cluster();
      await resync();
      watchDelivers();
      await resync();
      const p0 = caches.projects.get('p0', 'cache');
      assert.ok(p0?.status);
      p0.status.cache = { artifacts: 9, bytes: 9, size: '9', hits: 9, misses: 0, hitPercent: 100, upstreamDeleted: 0, updateTime: 'later' };
      assert.equal(s.projectEvent(p0, 'update'), false);
      const ep = kube.find<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint', 'cache', 'docker-hub');
      assert.ok(ep);
      ep.status = { lastProbeTime: 'later' };
      assert.equal(s.endpointEvent(ep, 'update'), false);
      assert.equal(await resync(), 0);
      p0.status.urls = { ...p0.status.urls, inCluster: p0.status.urls?.inCluster ?? '', nodeMirror: 'http://10.0.0.9:5000' };
      assert.equal(s.projectEvent(p0, 'update'), true);
      assert.equal(await resync(), 1);
    });
  });
});
