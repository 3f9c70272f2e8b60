// admission.k8s.io/v1 AdmissionReview: the request parsed once into what the webhook reads, and the response.
// The webhook never denies: its answer is always allowed, with or without a patch (failurePolicy Ignore covers
// the case where it cannot answer at all).
import type { V1Pod } from '@kubernetes/client-node';
import type { JsonPatchOp } from './patch.ts';

export interface PodAdmission {
  uid: string;
  operation: 'CREATE' | 'UPDATE';
  namespace: string;
  /** The pod's name; empty for a create with generateName (the apiserver names it after admission). */
  name: string;
  subResource?: string;
  dryRun: boolean;
  pod: V1Pod;
  oldPod?: V1Pod;
}

export class AdmissionReviewError extends Error {
  override name = 'AdmissionReviewError';
  readonly code = 'ADMISSION_REVIEW_INVALID';
}

interface ReviewShape {
  apiVersion?: unknown;
  kind?: unknown;
  request?: {
    uid?: unknown; kind?: { kind?: unknown }; operation?: unknown; namespace?: unknown; name?: unknown;
    subResource?: unknown; dryRun?: unknown; object?: unknown; oldObject?: unknown;
  };
}

/** Throws AdmissionReviewError for anything but an admission.k8s.io/v1 review of a Pod create or update. */
export function parsePodAdmission(body: unknown): PodAdmission {
  const review = body as ReviewShape;
  if (review?.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') throw new AdmissionReviewError('not an admission.k8s.io/v1 AdmissionReview');
  const r = review.request;
  if (!r || typeof r.uid !== 'string' || r.uid === '') throw new AdmissionReviewError('the review has no request.uid');
  if (r.kind?.kind !== 'Pod') throw new AdmissionReviewError(`the review is for a ${String(r.kind?.kind)}, not a Pod`);
  if (r.operation !== 'CREATE' && r.operation !== 'UPDATE') throw new AdmissionReviewError(`operation ${String(r.operation)} is not CREATE or UPDATE`);
  if (!isObject(r.object) || !isObject((r.object as V1Pod).spec)) throw new AdmissionReviewError('request.object is not a Pod');
  if (r.operation === 'UPDATE' && !isObject(r.oldObject)) throw new AdmissionReviewError('an UPDATE without request.oldObject');
  const pod = r.object as V1Pod;
  return {
    uid: r.uid,
    operation: r.operation,
    namespace: typeof r.namespace === 'string' ? r.namespace : (pod.metadata?.namespace ?? ''),
    name: typeof r.name === 'string' ? r.name : (pod.metadata?.name ?? ''),
    ...(typeof r.subResource === 'string' && r.subResource ? { subResource: r.subResource } : {}),
    dryRun: r.dryRun === true,
    pod,
    ...(r.operation === 'UPDATE' ? { oldPod: r.oldObject as V1Pod } : {}),
  };
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The review the apiserver expects back: allowed, the patch base64-encoded when there is one. */
export function admissionResponse(uid: string, patch: readonly JsonPatchOp[], warnings: readonly string[] = []): object {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(patch.length > 0 ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}),
      // The apiserver caps warnings (120 characters each is what kubectl prints well); a pod has few images.
      ...(warnings.length > 0 ? { warnings: warnings.slice(0, 8).map((w) => w.slice(0, 240)) } : {}),
    },
  };
}
