import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Node } from '@kubernetes/client-node';
import { NodeMirrorSync, type NodeMirrorSources } from './sync.ts';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { endpoint, project } from '../children/fixtures.test-helper.ts';
import type { ProxyCacheProject } from '../api/index.ts';

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
});
