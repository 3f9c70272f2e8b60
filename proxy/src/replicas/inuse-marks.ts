// In-use marks in the shared index: which replica serves or fetches which digest right now, so that the replica
// running retention never evicts a blob another replica is streaming. One hash per digest, one field per replica
// holding the time its mark runs out; marks are refreshed while held and run out on their own when a replica dies
// (nothing is left to clean up). A whole hash also expires when no replica refreshes it.
import type { InUseMirror } from '../cache/inuse.ts';
import { COORDINATION_PREFIX, type RedisClient } from './redis.ts';

export interface InUseMarksOptions {
  client: RedisClient;
  /** This replica, unique among those sharing the index. */
  replica: string;
  /** How long a mark lasts unrefreshed; default 60 s (generous: replicas' clocks compare the times). */
  ttlMs?: number;
  /** The digests busy here now, refreshed every third of the time to live. */
  busy: () => Iterable<string>;
  onError?: (err: Error) => void;
  now?: () => number;
}

export class InUseMarks implements InUseMirror {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: InUseMarksOptions) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  private key(digest: string): string {
    return `${COORDINATION_PREFIX}inuse:${digest}`;
  }

  marked(digest: string): void {
    void this.mark([digest]);
  }

  unmarked(digest: string): void {
    this.opts.client.hDel(this.key(digest), this.opts.replica).catch((err: Error) => this.opts.onError?.(err));
  }

  private async mark(digests: Iterable<string>): Promise<void> {
    const until = String(this.now() + this.ttlMs);
    const multi = this.opts.client.multi();
    let any = false;
    for (const digest of digests) {
      any = true;
      multi.hSet(this.key(digest), this.opts.replica, until);
      multi.pExpire(this.key(digest), this.ttlMs);
    }
    if (!any) return;
    await multi.exec().then(() => undefined, (err: Error) => this.opts.onError?.(err));
  }

  /** Keeps this replica's marks alive. */
  start(): void {
    this.timer ??= setInterval(() => void this.mark(this.opts.busy()), Math.max(1, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Every digest another replica holds a live mark on: one scan of the marks, which are few (what is being served
   * right now), once per retention pass. Rejects when Redis does not answer.
   */
  async busyElsewhereAll(): Promise<Set<string>> {
    const prefix = this.key('');
    const busy = new Set<string>();
    for await (const keys of this.opts.client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of keys) {
        const digest = key.slice(prefix.length);
        if (await this.busyElsewhere(digest)) busy.add(digest);
      }
    }
    return busy;
  }

  /** True while another replica's mark on `digest` has not run out. Rejects when Redis does not answer. */
  async busyElsewhere(digest: string): Promise<boolean> {
    const marks = await this.opts.client.hGetAll(this.key(digest));
    const now = this.now();
    return Object.entries(marks).some(([replica, until]) => replica !== this.opts.replica && Number(until) > now);
  }
}
