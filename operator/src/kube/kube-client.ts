// The operator's one seam to the apiserver. Reconcilers see only this interface and the watches' caches
// (object-cache.ts), so they run in unit tests against an in-memory fake (fake-kube.test-helper.ts) and here
// against client-node 2.x (fetch-based: object parameters, promises that resolve to the body, ApiException errors).
// Status and finalizers go through client-node's own API classes (not @dot-i/k8s-operator's gaxios calls, which
// ignore the kubeconfig's TLS settings and report a failed finalizer patch as a success).
import {
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
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

/**
 * An apiserver error's HTTP status: client-node 2.x's ApiException carries it as a numeric `code` (a Node system
 * error's `code` is a string such as ECONNREFUSED, and is no status); the Status in a body says it too.
 */
export function statusCodeOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: number; body?: unknown };
  if (typeof e?.code === 'number') return e.code;
  return e?.statusCode ?? statusBody(error)?.code;
}

/** The apiserver's Status document of an error: client-node 2.x hands the response body over as text. */
function statusBody(error: unknown): { code?: number; message?: string } | undefined {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'object' && body !== null) return body as { code?: number; message?: string };
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as { code?: number; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A short, credential-free description of an apiserver error for logs and conditions: the Status message when the
 * apiserver sent one. Never ApiException's own message, which appends the response headers.
 */
export function describeKubeError(error: unknown): string {
  const code = statusCodeOf(error);
  const isApiException = typeof (error as { code?: unknown })?.code === 'number' && typeof (error as { headers?: unknown }).headers === 'object';
  const fallback = isApiException ? /Message: (.*)/.exec((error as Error).message)?.[1] : (error as Error)?.message;
  const message = statusBody(error)?.message ?? fallback ?? String(error);
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
  // client-node's generated patch calls pick JSON Patch as their content type: a merge patch says so in a header.
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const header = (ref: ObjectRef) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });

  return {
    async get<T = KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
      try {
        return (await objects.read(header(ref) as never)) as T;
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async list<T = KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
      const res = await objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return res.items as T[];
    },
    async apply<T extends KubernetesObject>(obj: T): Promise<T> {
      return await objects.patch<T>(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
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
      await custom.patchNamespacedCustomObjectStatus(
        { group, version, namespace: ref.namespace ?? '', plural: ref.plural, name: ref.name, body: { status }, fieldManager: FIELD_MANAGER }, mergePatch);
    },
    async setFinalizers(ref, finalizers, resourceVersion): Promise<void> {
      const { group, version } = groupVersion(ref.apiVersion);
      await custom.patchNamespacedCustomObject({
        group, version, namespace: ref.namespace ?? '', plural: ref.plural, name: ref.name, fieldManager: FIELD_MANAGER,
        body: { metadata: { finalizers, ...(resourceVersion ? { resourceVersion } : {}) } },
      }, mergePatch);
    },
    async event({ regarding, type, reason, message }): Promise<void> {
      const namespace = regarding.metadata?.namespace ?? 'default';
      const now = new Date();
      await core.createNamespacedEvent({ namespace, body: {
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
      } });
    },
  };
}
