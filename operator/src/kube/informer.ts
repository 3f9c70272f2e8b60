// A watch of one resource that never gives up: client-node's informer (list, then watch from the list's
// resourceVersion; a 410 Gone re-lists) restarted with exponential backoff whenever it stops on an error.
// Replaces @dot-i/k8s-operator's watch loop, which exits the process on a watch error, throws on an ERROR event
// and restarts a closed watch without a resourceVersion (replaying every object and losing deletions).
import { KubernetesObjectApi, makeInformer, type KubeConfig, type KubernetesObject, type Informer, type ObjectCache } from '@kubernetes/client-node';
import { trimForCache, type CacheShape } from './cache-trim.ts';
import { describeKubeError } from './kube-client.ts';
import type { Logger } from '../observe/logger.ts';

export interface WatchSpec {
  apiVersion: string;
  kind: string;
  /** Plural resource name, for the watch path. */
  plural: string;
  namespace?: string;
  labelSelector?: string;
  /** What the cache keeps of each object (cache-trim.ts); `full` by default. */
  cache?: CacheShape;
}

/** What a watch event did to the cached object. */
export type WatchVerb = 'add' | 'update' | 'delete';

export interface ResilientInformerOptions {
  onChange: (obj: KubernetesObject, verb: WatchVerb) => void;
  onRestart?: () => void;
  /** Each time a start has listed and is watching (the first time: the cache is complete). */
  onSynced?: () => void;
  log: Logger;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A watch that ran this long before failing was healthy: its failure starts the backoff afresh. */
  resetAfterMs?: number;
  now?: () => number;
}

function watchPath(spec: WatchSpec): string {
  const base = spec.apiVersion.includes('/') ? `/apis/${spec.apiVersion}` : `/api/${spec.apiVersion}`;
  return spec.namespace ? `${base}/namespaces/${spec.namespace}/${spec.plural}` : `${base}/${spec.plural}`;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private failures = 0;
  /** When the last start succeeded (listed and watching); undefined while failing. */
  private healthySince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private synced = false;
  /** Set while the old watch is torn down: errors from its abort must not schedule another restart. */
  private tearingDown = false;
  /** Whether the last list succeeded: client-node 2.x's start() resolves after a failed list too (it reports the
   *  failure to the error callbacks only), so a resolved start() alone does not mean the cache is complete. */
  private listed = false;
  private readonly log: Logger;

  constructor(kc: KubeConfig, readonly spec: WatchSpec, private readonly options: ResilientInformerOptions) {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    this.log = options.log.child({ watch: spec.kind, namespace: spec.namespace ?? '*' });
    const shape = spec.cache ?? 'full';
    const list = async () => {
      this.listed = false;
      try {
        const listed = await objects.list<T>(spec.apiVersion, spec.kind, spec.namespace, undefined, undefined, undefined, undefined, spec.labelSelector);
        for (const item of listed.items) trimForCache(item, shape);
        this.listed = true;
        return listed;
      } catch (error) {
        // A re-list after a 410 runs inside client-node's watch callback, which has no error path of its own:
        // schedule the restart from here, so the informer is not left stopped.
        this.scheduleRestart(error);
        throw error;
      }
    };
    this.informer = makeInformer<T>(kc, watchPath(spec), list as never, spec.labelSelector);
    // client-node 2.x stores a watched object and then hands that same object to these callbacks (cache.js,
    // addOrUpdateObject): trimming it here trims the cache entry (listed objects were trimmed before they reached it).
    this.informer.on('add', (obj) => options.onChange(trimForCache(obj, shape), 'add'));
    this.informer.on('update', (obj) => options.onChange(trimForCache(obj, shape), 'update'));
    this.informer.on('delete', (obj) => options.onChange(obj, 'delete'));
    this.informer.on('error', (error) => this.scheduleRestart(error));
  }

  /** Starts watching; resolves after the first attempt. A failed list is retried with backoff in the background:
   *  `hasSynced` tells when the cache is complete. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.informer.stop();
  }

  /** True once the cache holds a complete list. */
  get hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): T[] {
    return [...this.informer.list(namespace)];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  /** Only after the watch ended with an error: client-node has then already dropped the request, so no late
   *  'close' of it can start a second watch beside the new one. */
  private async restart(): Promise<void> {
    this.tearingDown = true;
    try {
      await this.informer.stop();
    } finally {
      this.tearingDown = false;
    }
    // A failing start schedules the next restart itself (through the list wrapper or the error callback).
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.informer.start();
      // A failed list, or a watch refused before start() resolved, has scheduled the restart already.
      if (!this.listed || this.timer) return;
      this.synced = true;
      // Not on client-node's 'connect': it fires before every list, failing ones included, so resetting there
      // would keep the backoff at its first step forever.
      this.healthySince = this.now();
      this.options.onSynced?.();
    } catch (error) {
      // The list failed (apiserver down, CRD missing, RBAC): scheduleRestart was called by the list wrapper.
      if (!this.timer) this.scheduleRestart(error);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private scheduleRestart(error: unknown): void {
    if (this.stopped || this.timer || this.tearingDown) return;
    if (this.healthySince !== undefined && this.now() - this.healthySince >= (this.options.resetAfterMs ?? 60_000)) this.failures = 0;
    this.healthySince = undefined;
    this.failures++;
    const delay = Math.min(this.options.maxDelayMs ?? 30_000, (this.options.baseDelayMs ?? 500) * 2 ** Math.min(this.failures - 1, 16));
    this.log.warn('watch stopped; restarting', { error: describeKubeError(error), retryInMs: delay });
    this.options.onRestart?.();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.restart();
    }, delay);
  }
}
