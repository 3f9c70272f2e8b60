// A per-object work queue, as client-go's: a key is queued at most once, events for a key that is being handled
// are coalesced into one more run after it, a failed key is retried with exponential backoff (reset on success),
// and a handler may ask to run again after a delay (periodic work such as probes and stats).
// Replaces @dot-i/k8s-operator's single global queue of concurrency 1, which neither de-duplicates per object nor
// retries a failed handler (it swallows the exception).

export interface HandlerResult {
  /** Run this key again after so many milliseconds (the earliest request wins). */
  requeueAfterMs?: number;
}

export type Handler = (key: string) => Promise<HandlerResult | void>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WorkQueueOptions {
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
  /** Called for each failure, with the delay before the retry. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
  /** Called after each run, for metrics. */
  onDone?: (key: string, outcome: 'success' | 'error', durationMs: number) => void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timers: Timers;

  constructor(
    private readonly handler: Handler,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.timers = options.timers ?? realTimers;
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Queues a key now; a no-op if it is already queued, and one more run if it is being handled. */
  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Queues a key after a delay; an earlier pending request for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.timers.clearTimeout(pending.handle);
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Forgets a key's failures and pending delayed runs (the object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
    const pending = this.delayed.get(key);
    if (pending) this.timers.clearTimeout(pending.handle);
    this.delayed.delete(key);
  }

  /** Resolves when nothing is queued or running (delayed runs do not count). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; running handlers finish. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.active.add(key);
      void this.run(key);
    }
    if (this.queue.length === 0 && this.active.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    const started = Date.now();
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      this.options.onDone?.(key, 'success', Date.now() - started);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const count = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, count);
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (count - 1));
      this.options.onDone?.(key, 'error', Date.now() - started);
      this.options.onError?.(key, error, delay);
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
