// What an informer keeps of each object. The watches' caches hold every object of their kind for the life of the
// process, and the apiserver sends much the operator never reads: managedFields (one entry per field manager,
// often larger than the spec), kubectl's last-applied-configuration (a second copy of the object), Secret data,
// Node image lists. Trimming on insert keeps the cache at what the controller uses; reconcilers that need a whole
// object read it fresh from the apiserver.
import type { KubernetesObject } from '@kubernetes/client-node';

/** `full`: the object less its bookkeeping; `metadata`: only apiVersion, kind and metadata (routing by name,
 *  labels and owner references: Secrets, Nodes, children). */
export type CacheShape = 'full' | 'metadata';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

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
  if (shape === 'metadata') {
    for (const key of Object.keys(obj)) if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata') delete (obj as Record<string, unknown>)[key];
  }
  return obj;
}
