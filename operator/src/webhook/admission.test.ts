import assert from 'node:assert/strict';
import { AdmissionReviewError, admissionResponse, parsePodAdmission } from './admission.ts';

const review = (request: Record<string, unknown>) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'apps', object: { metadata: { generateName: 'web-' }, spec: { containers: [] } }, ...request } });

describe('webhook: AdmissionReview in and out', () => {
  it('reads a create, an update with its old pod, the subresource and dryRun', () => {
    const create = parsePodAdmission(review({}));
    assert.deepEqual([create.uid, create.operation, create.namespace, create.name, create.dryRun, create.oldPod], ['u1', 'CREATE', 'apps', '', false, undefined]);
    const update = parsePodAdmission(review({ operation: 'UPDATE', name: 'web-1', subResource: 'ephemeralcontainers', dryRun: true, oldObject: { spec: { containers: [] } } }));
    assert.deepEqual([update.operation, update.name, update.subResource, update.dryRun, update.oldPod], ['UPDATE', 'web-1', 'ephemeralcontainers', true, { spec: { containers: [] } }]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not JSON object', 'x', /not an admission.k8s.io\/v1/],
    ['v1beta1', { ...review({}), apiVersion: 'admission.k8s.io/v1beta1' }, /not an admission.k8s.io\/v1/],
    ['no uid', review({ uid: '' }), /no request.uid/],
    ['a Deployment', review({ kind: { kind: 'Deployment' } }), /for a Deployment, not a Pod/],
    ['DELETE', review({ operation: 'DELETE' }), /DELETE is not CREATE or UPDATE/],
    ['no pod', review({ object: null }), /not a Pod/],
    ['UPDATE without oldObject', review({ operation: 'UPDATE' }), /without request.oldObject/],
  ];
  for (const [name, body, message] of bad) {
    it(`refuses ${name} with a typed error`, () => assert.throws(() => parsePodAdmission(body), (e: Error) => e instanceof AdmissionReviewError && e.code === 'ADMISSION_REVIEW_INVALID' && message.test(e.message)));
  }

  it('always allows; the patch base64-encoded only when there is one; warnings capped', () => {
    assert.deepEqual(admissionResponse('u1', []), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u1', allowed: true } });
    const patch = [{ op: 'replace' as const, path: '/spec/containers/0/image', value: 'x' }];
    const r = admissionResponse('u2', patch, Array(10).fill('w')) as { response: { patchType: string; patch: string; warnings: string[] } };
    assert.equal(r.response.patchType, 'JSONPatch');
    assert.deepEqual(JSON.parse(Buffer.from(r.response.patch, 'base64').toString()), patch);
    assert.equal(r.response.warnings.length, 8);
  });
});
