// What a watch holds, as a reconciler reads it. The reconcilers read the objects the informers already keep (the
// two kinds, the endpoints, the children's progress) from here rather than from the apiserver, and ask the
// apiserver only for what no cache keeps: Secret data (the Secrets watch keeps metadata alone, cache-trim.ts).
// ResilientInformer is one; the in-memory fake (fake-kube.test-helper.ts) gives one per kind.

export interface ObjectCache<T> {
  /** The cached object, undefined when the watch has not seen it. The very object the cache holds: a reader that
   *  changes anything clones it first. */
  get(name: string, namespace?: string): T | undefined;
  /** Every cached object, of one namespace when given. */
  list(namespace?: string): T[];
}
