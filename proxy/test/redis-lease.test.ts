// The lease replicas coordinate with (proxy/src/replicas/lease.ts) against a real redis-server: one holder at a
// time, renewed while held, taken over once a holder stops renewing, and a late release never ends the next
// holder's lease.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, waitFor, type Redis } from '@berth/e2e';
import { RedisLeases } from '../src/replicas/lease.ts';
import { connectRedis, type RedisClient } from '../src/replicas/redis.ts';

describe('proxy: leases in Redis @real', function () {
  this.timeout(60_000);
  let redis: Redis;
  let client: RedisClient;
  const errors: Error[] = [];

  before(async () => {
    redis = await startRedis();
    client = await connectRedis(redis.url, (err) => errors.push(err));
  });
  after(async () => {
    await client?.close();
    await redis?.stop();
  });

  it('one holder at a time; free again once released', async () => {
    const leases = new RedisLeases(client, { ttlMs: 5_000 });
    const first = await leases.tryAcquire('test:one');
    assert.ok(first);
    assert.equal(await leases.tryAcquire('test:one'), undefined);
    await first.release();
    const second = await leases.tryAcquire('test:one');
    assert.ok(second, 'free after release');
    await second.release();
  });

  it('a held lease is renewed past its time to live', async () => {
    const leases = new RedisLeases(client, { ttlMs: 300, renewMs: 50 });
    const lease = await leases.tryAcquire('test:renewed');
    assert.ok(lease);
    // Three lifetimes without a renewal would have freed it.
    await sleep(900);
    assert.equal(await leases.tryAcquire('test:renewed'), undefined, 'still held');
    await lease.release();
  });

  it('a holder that stopped renewing (died) is taken over, and its late release leaves the new lease alone', async () => {
    const lost: string[] = [];
    // Renewed far less often than it lasts: as a holder whose process stopped.
    const dying = new RedisLeases(client, { ttlMs: 200, renewMs: 60_000, onLost: (key) => lost.push(key) });
    const leases = new RedisLeases(client, { ttlMs: 5_000 });
    const old = await dying.tryAcquire('test:died');
    assert.ok(old);
    const taken = await waitFor(() => leases.tryAcquire('test:died'), { what: 'the lease to run out', timeoutMs: 10_000 });
    await old.release();
    assert.equal(await leases.tryAcquire('test:died'), undefined, 'the late release did not end the new lease');
    await taken.release();
    assert.deepEqual(errors, []);
  });
});
