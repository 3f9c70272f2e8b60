import assert from 'node:assert/strict';
import type { V1Lease } from '@kubernetes/client-node';
import { LeaderElector, type LeaseStore } from './leader-election.ts';
import { silentLogger } from '../observe/logger.ts';

/** A Lease store with the apiserver's optimistic concurrency: a replace with a stale resourceVersion is a 409. */
class MemoryLeases implements LeaseStore {
  lease: V1Lease | undefined;
  private version = 0;
  async get() {
    return this.lease ? structuredClone(this.lease) : undefined;
  }
  async create(lease: V1Lease) {
    if (this.lease) throw Object.assign(new Error('exists'), { statusCode: 409 });
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return this.lease;
  }
  async replace(lease: V1Lease) {
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { statusCode: 409 });
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return this.lease;
  }
}

function elector(store: LeaseStore, identity: string, clock: { t: number }) {
  return new LeaderElector(store, {
    namespace: 'berth-system', name: 'berth-operator', identity, leaseDurationMs: 15_000, log: silentLogger,
    onStartedLeading: () => {}, onStoppedLeading: () => {},
  }, () => clock.t);
}

describe('leader election', () => {
  it('gives the Lease to one candidate, and to another only after it expired unrenewed', async () => {
    const store = new MemoryLeases();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    assert.equal(await a.tryAcquireOrRenew(), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    clock.t += 10_000;
    assert.equal(await a.tryAcquireOrRenew(), true);
    clock.t += 10_000;
    assert.equal(await b.tryAcquireOrRenew(), false, 'renewed 10s ago: still held');
    clock.t += 6_000;
    assert.equal(await b.tryAcquireOrRenew(), true, 'not renewed for 16s: taken over');
    assert.equal(store.lease?.spec?.holderIdentity, 'b');
    assert.equal(store.lease?.spec?.leaseTransitions, 1);
  });

  it('lets only one of two racing candidates win an expired Lease', async () => {
    const store = new MemoryLeases();
    const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
    await elector(store, 'old', clock).tryAcquireOrRenew();
    clock.t += 60_000;
    const results = await Promise.allSettled([elector(store, 'a', clock).tryAcquireOrRenew(), elector(store, 'b', clock).tryAcquireOrRenew()]);
    assert.equal(results.filter((r) => r.status === 'fulfilled' && r.value).length, 1);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
  });
});
