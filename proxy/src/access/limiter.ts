// At most `concurrency` password checks at once, at most `queue` more waiting: a flood of logins takes a bounded
// share of the event loop and of memory, and what is past the queue is refused at once instead of piling up.
import { OciError } from '../oci/errors.ts';

export interface LimiterOptions {
  /** Checks running at once; default 1 (a bcrypt check is CPU on the one event loop: more at once only interleave). */
  concurrency?: number;
  /** Checks waiting for a turn; default 64. */
  queue?: number;
}

export class Limiter {
  private readonly concurrency: number;
  private readonly queue: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: LimiterOptions = {}) {
    this.concurrency = opts.concurrency ?? 1;
    this.queue = opts.queue ?? 64;
  }

  /** Runs `task` in its turn; rejects with OciError TOOMANYREQUESTS when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw new OciError('TOOMANYREQUESTS', 'too many logins being checked; retry later', { headers: { 'retry-after': '1' } });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }
}
