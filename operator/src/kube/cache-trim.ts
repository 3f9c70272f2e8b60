// What an informer keeps of each object. The watches' caches hold every object of their kind for the life of the
// process, and the apiserver sends much the operator never reads: managedFields (one entry per field manager,
// often larger than the spec), kubectl's last-applied-configuration (a second copy of the object), Secret data,
// Node image lists. Trimming on insert keeps the cache at what the controller uses; a reconciler that needs what
// a cache leaves out (Secret data) reads it fresh from the apiserver.
import type { KubernetesObject } from '@kubernetes/client-node';

/** `full`: the object less its bookkeeping; `status`: apiVersion, kind, metadata and status (a child the operator
 *  writes itself and only observes: its spec is the operator's own); `metadata`: only apiVersion, kind and metadata
 *  (routing by name, labels and owner references: Secrets, Nodes). */
export type CacheShape = 'full' | 'status' | 'metadata';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const KEPT_WITH_METADATA = new Set(['apiVersion', 'kind', 'metadata']);
const KEPT_WITH_STATUS = new Set([...KEPT_WITH_METADATA, 'status']);

/** Trims `obj` in place (the informer's cache holds this very object) and returns it. */
export function trimForCache<T extends KubernetesObject>(obj: T, shape: CacheShape): T {
  const metadata = obj.metadata;
  if (metadata) {
    delete metadata.managedFields;
    if (metadata.annotations && LAST_APPLIED in metadata.annotations) {
      delete metadata.annotations[LAST_APPLIED];
      if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
    }
  }
  if (shape !== 'full') {
    const kept = shape === 'status' ? KEPT_WITH_STATUS : KEPT_WITH_METADATA;
    for (const key of Object.keys(obj)) if (!kept.has(key)) delete (obj as Record<string, unknown>)[key];
  }
  return obj;
}
