import assert from 'node:assert/strict';
import { desiredChildren } from './index.ts';
import { inputs, project } from './fixtures.test-helper.ts';

describe('desiredChildren', () => {
  it('applies PVC and ConfigMap before the Deployment, and lists Ingress and PDB as absent by default', () => {
    const c = desiredChildren(inputs());
    assert.deepEqual(c.apply.map((o) => o.kind), ['PersistentVolumeClaim', 'ConfigMap', 'Service', 'Deployment']);
    assert.deepEqual(c.absent.map((o) => o.kind), ['Ingress', 'PodDisruptionBudget']);
    assert.equal(c.storageRefusal, undefined);
  });

  it('adds Ingress and PDB when asked, and leaves the PVC alone when its change is refused', () => {
    const c = desiredChildren(
      inputs({ project: project({ replicas: 2, storage: { size: '1Gi', accessMode: 'ReadWriteMany' }, ingress: { host: 'c.example.com' } }) }),
      { spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '2Gi' } } } },
    );
    assert.deepEqual(c.apply.map((o) => o.kind), ['ConfigMap', 'Service', 'Deployment', 'Ingress', 'PodDisruptionBudget']);
    assert.equal(c.storageRefusal?.reason, 'StorageShrinkRefused');
  });

  it('changes the rollout hash when the rendered config changes', () => {
    const a = desiredChildren(inputs()).rolloutHash;
    const b = desiredChildren(inputs({ project: project({ cache: { tagTTL: '1m' } }) })).rolloutHash;
    assert.notEqual(a, b);
  });
});
