// The operator's one seam to the apiserver. Reconcilers see only this interface and the watches' caches
// (object-cache.ts), so they run in unit tests against an in-memory fake (fake-kube.test-helper.ts) and here
// against client-node 0.22.3.
// Status and finalizers go through client-node's own API classes (not @dot-i/k8s-operator's gaxios calls, which
// ignore the kubeconfig's TLS settings and report a failed finalizer patch as a success).
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchUtils,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/index.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface EventInput {
  regarding: KubernetesObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface KubeClient {
  /** The object, or undefined when it does not exist. */
  get<T = KubernetesObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T = KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]>;
  /** Server-side apply under the field manager `berth-operator`, forcing ownership of the fields it sets. */
  apply<T extends KubernetesObject>(obj: T): Promise<T>;
  /** Deletes; a missing object is not an error. */
  delete(ref: ObjectRef): Promise<void>;
  /** Merge-patches the status subresource of a berth.dev object. */
  patchStatus(ref: ObjectRef & { plural: string }, status: object): Promise<void>;
  /** Sets metadata.finalizers, failing with a 409 when the object changed since `resourceVersion`. */
  setFinalizers(ref: ObjectRef & { plural: string }, finalizers: string[], resourceVersion: string | undefined): Promise<void>;
  event(input: EventInput): Promise<void>;
}

/** An apiserver error's HTTP status, for client-node 0.x errors (`statusCode`) and others (`code`). */
export function statusCodeOf(error: unknown): number | undefined {
  const e = error as { statusCode?: number; response?: { statusCode?: number }; body?: { code?: number } };
  return e?.statusCode ?? e?.response?.statusCode ?? e?.body?.code;
}

/** A short, credential-free description of an apiserver error for logs and conditions. */
export function describeKubeError(error: unknown): string {
  const e = error as { body?: { message?: string }; message?: string };
  const code = statusCodeOf(error);
  const message = e?.body?.message ?? e?.message ?? String(error);
  return code ? `${code}: ${message}` : message;
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group: group ?? '', version: version ?? '' };
}

export function kubeClient(kc: KubeConfig): KubeClient {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const headers = (type: string) => ({ headers: { 'content-type': type } });
  const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });

  return {
    async get<T = KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
      try {
        return (await objects.read(header(ref) as never)).body as T;
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async list<T = KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
      const res = await objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return res.body.items as T[];
    },
    async apply<T extends KubernetesObject>(obj: T): Promise<T> {
      const res = await objects.patch<T>(obj, undefined, undefined, FIELD_MANAGER, true, headers(PatchUtils.PATCH_FORMAT_APPLY_YAML));
      return res.body;
    },
    async delete(ref: ObjectRef): Promise<void> {
      try {
        await objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw error;
      }
    },
    async patchStatus(ref, status): Promise<void> {
      const { group, version } = groupVersion(ref.apiVersion);
      await custom.patchNamespacedCustomObjectStatus(group, version, ref.namespace ?? '', ref.plural, ref.name, { status },
        undefined, FIELD_MANAGER, undefined, headers(PatchUtils.PATCH_FORMAT_JSON_MERGE_PATCH));
    },
    async setFinalizers(ref, finalizers, resourceVersion): Promise<void> {
      const { group, version } = groupVersion(ref.apiVersion);
      await custom.patchNamespacedCustomObject(group, version, ref.namespace ?? '', ref.plural, ref.name,
        { metadata: { finalizers, ...(resourceVersion ? { resourceVersion } : {}) } },
        undefined, FIELD_MANAGER, undefined, headers(PatchUtils.PATCH_FORMAT_JSON_MERGE_PATCH));
    },
    async event({ regarding, type, reason, message }): Promise<void> {
      const namespace = regarding.metadata?.namespace ?? 'default';
      const now = new Date();
      await core.createNamespacedEvent(namespace, {
        metadata: { generateName: `${regarding.metadata?.name ?? 'berth'}.`, namespace },
        involvedObject: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata?.name,
          namespace,
          uid: regarding.metadata?.uid,
          resourceVersion: regarding.metadata?.resourceVersion,
        },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        reportingComponent: FIELD_MANAGER,
        reportingInstance: process.env.HOSTNAME ?? FIELD_MANAGER,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    },
  };
}
