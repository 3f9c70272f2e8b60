// status.podImageRewrite of each project: the counts every replica adds (read, add, write with the resourceVersion
// read; a 409 keeps the counts for the next round), and the address, mode and problem the webhook works with now.
// Writes are batched every flushMs: a Deployment of 50 pods is one status write, not 50.
import type { PodImageRewriteStatus } from '../api/index.ts';
import type { Logger } from '../observe/logger.ts';
import { ConflictError } from './cert-keeper.ts';

export interface ProjectStatusStore {
  read(namespace: string, name: string): Promise<{ resourceVersion: string; status?: PodImageRewriteStatus } | undefined>;
  /** Merge-patches status.podImageRewrite (null removes a field); ConflictError when the object changed since. */
  write(namespace: string, name: string, resourceVersion: string, status: Record<string, unknown>): Promise<void>;
}

export type Counter = 'rewritten' | 'audited' | 'skipped' | 'checkFailures';

/** What the webhook currently makes of a project: its address and mode, or why it cannot rewrite. */
export interface ProjectView {
  namespace: string;
  name: string;
  address?: string;
  mode?: string;
  message?: string;
  /** The status as the watch cache last saw it: no write when nothing differs. */
  seen?: PodImageRewriteStatus;
}

interface Pending {
  counts: Partial<Record<Counter, number>>;
  lastCheckFailure?: { image: string; message: string; time: string };
}

export class StatusReporter {
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: { store: ProjectStatusStore; views: () => Iterable<ProjectView>; log: Logger; flushMs?: number; now?: () => Date }) {}

  count(key: string, counter: Counter): void {
    const p = this.entry(key);
    p.counts[counter] = (p.counts[counter] ?? 0) + 1;
  }

  checkFailed(key: string, image: string, message: string): void {
    this.entry(key).lastCheckFailure = { image, message: message.slice(0, 512), time: (this.options.now?.() ?? new Date()).toISOString() };
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what is pending or out of date; concurrent callers share one round. */
  flush(): Promise<void> {
    this.flushing ??= this.round().finally(() => { this.flushing = undefined; });
    return this.flushing;
  }

  private entry(key: string): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { counts: {} }));
    return p;
  }

  private async round(): Promise<void> {
    const views = [...this.options.views()];
    // Counts of a project that stopped rewriting (or went) since they were counted have nowhere to go.
    const live = new Set(views.map((v) => `${v.namespace}/${v.name}`));
    for (const key of this.pending.keys()) if (!live.has(key)) this.pending.delete(key);
    for (const view of views) {
      const key = `${view.namespace}/${view.name}`;
      const pending = this.pending.get(key);
      const seen = view.seen ?? {};
      const describedChanged = seen.address !== view.address || seen.mode !== view.mode || seen.message !== view.message;
      if (!pending && !describedChanged) continue;
      this.pending.delete(key);
      try {
        const current = await this.options.store.read(view.namespace, view.name);
        if (!current) continue; // the project is gone, and its counts with it
        const before = current.status ?? {};
        const next: Record<string, unknown> = {
          address: view.address ?? null,
          mode: view.mode ?? null,
          message: view.message ?? null,
          updateTime: (this.options.now?.() ?? new Date()).toISOString(),
        };
        for (const [counter, n] of Object.entries(pending?.counts ?? {})) next[counter] = (before[counter as Counter] ?? 0) + n;
        if (pending?.lastCheckFailure) next.lastCheckFailure = pending.lastCheckFailure;
        await this.options.store.write(view.namespace, view.name, current.resourceVersion, next);
      } catch (error) {
        if (pending) this.merge(key, pending);
        if (!(error instanceof ConflictError)) this.options.log.warn('could not write status.podImageRewrite; retrying', { project: key, error: (error as Error).message });
      }
    }
  }

  /** Puts counts back that could not be written, added to any counted since. */
  private merge(key: string, back: Pending): void {
    const p = this.entry(key);
    for (const [counter, n] of Object.entries(back.counts)) p.counts[counter as Counter] = (p.counts[counter as Counter] ?? 0) + n;
    p.lastCheckFailure ??= back.lastCheckFailure;
  }
}
