import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { trimForCache } from './cache-trim.ts';

function secret(annotations: Record<string, string> = {}): KubernetesObject & { type: string; data: Record<string, string> } {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'creds',
      namespace: 'ns',
      resourceVersion: '7',
      labels: { team: 'a' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', ...annotations },
      managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:data': {} } }],
      ownerReferences: [{ apiVersion: 'berth.dev/v1alpha1', kind: 'ProxyCacheProject', name: 'web', uid: 'u1' }],
    },
    type: 'kubernetes.io/basic-auth',
    data: { password: 'c2VjcmV0' },
  };
}

describe('trimForCache', () => {
  it('drops managedFields and the last-applied copy, keeps spec, status and other annotations', () => {
    const obj = { ...secret({ keep: 'me' }), spec: { a: 1 }, status: { b: 2 } };
    const trimmed = trimForCache(obj, 'full');
    assert.equal(trimmed, obj, 'trimmed in place: the cache holds this object');
    assert.equal(trimmed.metadata?.managedFields, undefined);
    assert.deepEqual(trimmed.metadata?.annotations, { keep: 'me' });
    assert.deepEqual([trimmed.spec, trimmed.status, trimmed.data], [{ a: 1 }, { b: 2 }, { password: 'c2VjcmV0' }]);
  });

  it('keeps only apiVersion, kind and what routing needs from metadata for the metadata shape', () => {
    const trimmed = trimForCache(secret(), 'metadata');
    assert.deepEqual(trimmed, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'creds',
        namespace: 'ns',
        resourceVersion: '7',
        labels: { team: 'a' },
        ownerReferences: [{ apiVersion: 'berth.dev/v1alpha1', kind: 'ProxyCacheProject', name: 'web', uid: 'u1' }],
      },
    });
  });

  it('keeps metadata and status, not the spec, for the status shape (a child observed for its progress)', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'berth-hub', generation: 3, managedFields: [{ manager: 'berth-operator' }] }, spec: { replicas: 2 }, status: { observedGeneration: 3, availableReplicas: 2 } };
    assert.deepEqual(trimForCache(deployment, 'status'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'berth-hub', generation: 3 },
      status: { observedGeneration: 3, availableReplicas: 2 },
    });
  });

  it('copes with an object without metadata', () => {
    assert.deepEqual(trimForCache({ apiVersion: 'v1', kind: 'Node' }, 'full'), { apiVersion: 'v1', kind: 'Node' });
  });
});
