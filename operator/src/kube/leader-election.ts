// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: the holder renews every
// renewMs; another candidate takes the Lease once it has not been renewed for leaseDurationMs. Writes use the
// Lease's resourceVersion, so two candidates cannot both win a race. Losing the Lease stops the work; it does not
// exit the process (main decides that).
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { describeKubeError, statusCodeOf } from './kube-client.ts';
import type { Logger } from '../observe/logger.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewMs?: number;
  retryMs?: number;
  log: Logger;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
}

/** The Lease operations the elector needs, so the election logic is unit-tested without an apiserver. */
export interface LeaseStore {
  get(): Promise<V1Lease | undefined>;
  create(lease: V1Lease): Promise<V1Lease>;
  replace(lease: V1Lease): Promise<V1Lease>;
}

export function apiLeaseStore(kc: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    async get() {
      try {
        return await api.readNamespacedLease({ name, namespace });
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async create(lease) {
      return await api.createNamespacedLease({ namespace, body: lease });
    },
    async replace(lease) {
      return await api.replaceNamespacedLease({ name, namespace, body: lease });
    },
  };
}

/** A Lease's MicroTime: RFC 3339 with exactly six fraction digits, which the apiserver insists on (a Date would go
 *  out with milliseconds, which it refuses). client-node 2.x passes a MicroTime string through as it is, both ways. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;

  constructor(private readonly store: LeaseStore, private readonly options: LeaderElectionOptions, private readonly now: () => number = Date.now) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewMs ?? 5_000;
    this.retryMs = options.retryMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader gives the Lease up so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      await this.release().catch(() => undefined);
      await this.lose();
    }
  }

  /** One attempt to acquire or renew; returns whether this replica leads afterwards. Exposed for tests. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const nowMs = this.now();
    const nowIso = microTime(new Date(nowMs));
    const { namespace, name, identity } = this.options;
    const lease = await this.store.get();
    const seconds = Math.ceil(this.leaseMs / 1000);
    if (!lease) {
      await this.store.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: nowIso as never, renewTime: nowIso as never, leaseTransitions: 0 },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewed = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
    const duration = (spec.leaseDurationSeconds ?? seconds) * 1000;
    const mine = holder === identity;
    if (!mine && holder && renewed + duration > nowMs) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      renewTime: nowIso as never,
      acquireTime: (mine && spec.acquireTime ? microTime(new Date(spec.acquireTime as unknown as string)) : nowIso) as never,
      ...(mine ? {} : { leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    await this.store.replace(lease);
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let leads = false;
    try {
      leads = await this.tryAcquireOrRenew();
      if (leads) this.lastRenew = this.now();
    } catch (error) {
      // A conflict means another replica wrote first; anything else (apiserver down) is retried. A leader keeps
      // leading until its own lease would have expired, as the other replicas see it.
      if (statusCodeOf(error) !== 409) this.options.log.warn('leader election: lease update failed', { error: describeKubeError(error) });
      leads = this.leading && this.now() - this.lastRenew < this.leaseMs - this.renewMs;
    }
    if (leads && !this.leading) {
      this.leading = true;
      this.options.log.info('leader election: became leader', { identity: this.options.identity });
      await this.options.onStartedLeading();
    } else if (!leads && this.leading) {
      await this.lose();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), leads ? this.renewMs : this.retryMs);
  }

  private async lose(): Promise<void> {
    this.leading = false;
    this.options.log.warn('leader election: lost leadership', { identity: this.options.identity });
    await this.options.onStoppedLeading();
  }

  private async release(): Promise<void> {
    const lease = await this.store.get();
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    const spec = lease.spec;
    lease.spec = {
      ...spec,
      holderIdentity: undefined,
      leaseDurationSeconds: 1,
      renewTime: microTime(new Date(0)) as never,
      ...(spec.acquireTime ? { acquireTime: microTime(new Date(spec.acquireTime as unknown as string)) as never } : {}),
    };
    await this.store.replace(lease);
  }
}
