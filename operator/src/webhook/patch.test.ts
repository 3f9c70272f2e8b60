import assert from 'node:assert/strict';
import { applyPatch, pod } from './fixtures.test-helper.ts';
import { AUDIT_IMAGES, ORIGINAL_IMAGES, pointerEscape, podPatch, SKIPPED_IMAGES } from './patch.ts';
import { imageSlots } from './pod-images.ts';

describe('webhook: the JSON patch', () => {
  const p = pod({ containers: [{ name: 'a', image: 'quay.io/org/a:v1' }, { name: 'b', image: 'quay.io/org/b:v1' }] });
  const [a, b] = imageSlots(p) as [ReturnType<typeof imageSlots>[0], ReturnType<typeof imageSlots>[0]];

  it('escapes annotation keys as JSON Pointer (RFC 6901)', () => {
    assert.equal(pointerEscape('berth.dev/original-images'), 'berth.dev~1original-images');
    assert.equal(pointerEscape('a~b/c'), 'a~0b~1c');
  });

  it('adds the annotations object when the pod has none, and replaces the image by index', () => {
    const ops = podPatch(p, [{ slot: b, kind: 'rewrite', target: 'cache/quay.io/org/b:v1' }]);
    assert.deepEqual(ops, [
      { op: 'replace', path: '/spec/containers/1/image', value: 'cache/quay.io/org/b:v1' },
      { op: 'add', path: '/metadata/annotations', value: { [ORIGINAL_IMAGES]: '{"containers/b":"quay.io/org/b:v1"}' } },
    ]);
  });

  it('adds to existing annotations, replaces its own, and removes one that has no entry left', () => {
    const annotated = pod(p.spec!, { annotations: { keep: 'x', [SKIPPED_IMAGES]: '{"containers/a":"CheckFailed"}', [ORIGINAL_IMAGES]: 'not json' } });
    const ops = podPatch(annotated, [{ slot: a, kind: 'audit', target: 'cache/quay.io/org/a:v1' }]);
    const after = applyPatch(annotated, ops);
    assert.deepEqual(after.metadata?.annotations, { keep: 'x', [AUDIT_IMAGES]: '{"containers/a":"cache/quay.io/org/a:v1"}' });
    assert.deepEqual(after.spec, annotated.spec);
  });

  it('says nothing when the records are already what it would write', () => {
    const done = pod(p.spec!, { annotations: { [SKIPPED_IMAGES]: '{"containers/a":"Excluded"}' } });
    assert.deepEqual(podPatch(done, [{ slot: a, kind: 'skip', reason: 'Excluded' }]), []);
  });
});
