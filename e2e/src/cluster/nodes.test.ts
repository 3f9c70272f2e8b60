import assert from 'node:assert/strict';
import { fakeNode, fakeNodeList, fakeNodeNames, isNodeReady } from './nodes.ts';

describe('fake nodes', () => {
  it('are annotated for kwok and carry no taint, so ordinary pods schedule', () => {
    const node = fakeNode('n1') as { metadata: { annotations: Record<string, string> }; spec: { taints?: unknown } };
    assert.equal(node.metadata.annotations['kwok.x-k8s.io/node'], 'fake');
    assert.equal(node.spec.taints, undefined);
  });

  it('come as one List with distinct names', () => {
    const names = fakeNodeNames(2);
    assert.equal(new Set(names).size, 2);
    assert.equal((fakeNodeList(names) as { items: unknown[] }).items.length, 2);
  });

  it('are Ready only with a Ready=True condition', () => {
    assert.equal(isNodeReady({ metadata: { name: 'a' } }), false);
    assert.equal(isNodeReady({ metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }), false);
    assert.equal(isNodeReady({ metadata: { name: 'a' }, status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }] } }), true);
  });
});
