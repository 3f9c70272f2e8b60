// A lease in Redis: one holder at a time per key, for a bounded time, renewed while the holder works. The classic
// single-instance pattern (SET key token NX PX ttl; renew and release only while the value is still our token), so a
// holder that died frees the key when its lease runs out and a holder that stalled past its lease cannot end the
// lease of the one that took over.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from './redis.ts';

/** Renews (PEXPIRE) only while the key still holds our token. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes only while the key still holds our token. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface LeaseOptions {
  /** How long a lease lasts without renewal: how long others wait for a holder that died. */
  ttlMs: number;
  /** How often a held lease is renewed; default a third of `ttlMs`. */
  renewMs?: number;
  /** The lease was found taken (it ran out while this holder stalled) or could not be renewed. */
  onLost?: (key: string, err?: Error) => void;
}

export interface Lease {
  readonly key: string;
  /** Ends the lease (if still ours) and stops renewing it; calling it again is harmless. */
  release(): Promise<void>;
}

/** The seam fill-leases.ts and retention use (a fake of it in their unit tests). */
export interface Leases {
  /** The lease on `key` when nobody holds it (kept renewed until released), else undefined; rejects when the service fails. */
  tryAcquire(key: string): Promise<Lease | undefined>;
}

export class RedisLeases implements Leases {
  constructor(
    private readonly client: RedisClient,
    private readonly opts: LeaseOptions,
  ) {}

  /**
   * Takes the lease on `key` when nobody holds it, and keeps renewing it until released; undefined while another
   * holder has it. Rejects when Redis does not answer.
   */
  async tryAcquire(key: string): Promise<Lease | undefined> {
    const token = randomBytes(16).toString('hex');
    const ttl = this.opts.ttlMs;
    const answer = await this.client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: ttl } });
    if (answer !== 'OK') return undefined;
    let released = false;
    const timer = setInterval(() => {
      this.client.eval(RENEW, { keys: [key], arguments: [token, String(ttl)] }).then(
        (renewed) => {
          if (renewed === 1 || released) return;
          clearInterval(timer);
          this.opts.onLost?.(key);
        },
        (err: Error) => this.opts.onLost?.(key, err),
      );
    }, this.opts.renewMs ?? Math.max(1, Math.floor(ttl / 3)));
    timer.unref();
    return {
      key,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.client.eval(RELEASE, { keys: [key], arguments: [token] });
      },
    };
  }

  /** True while some holder has the lease on `key`. */
  async held(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }
}
