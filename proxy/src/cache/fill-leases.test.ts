import assert from 'node:assert/strict';
import type { Lease, Leases } from '../replicas/lease.ts';
import { LOCAL_FILLS, SharedFillLeases, type WaitOutcome } from './fill-leases.ts';

/** Leases in a Map: what Redis does for one key, without the expiry (a test ends a lease by releasing it). */
class MapLeases implements Leases {
  readonly held = new Map<string, number>();
  private next = 0;
  failing = false;
  async tryAcquire(key: string): Promise<Lease | undefined> {
    if (this.failing) throw new Error('connection refused');
    if (this.held.has(key)) return undefined;
    const id = ++this.next;
    this.held.set(key, id);
    return { key, release: async () => void (this.held.get(key) === id && this.held.delete(key)) };
  }
}

function setUp() {
  const leases = new MapLeases();
  const heard: string[] = [];
  const fills = new SharedFillLeases({
    leases, minPollMs: 1, maxPollMs: 2,
    observer: {
      waited: (_p, kind, outcome: WaitOutcome) => heard.push(`${outcome} ${kind}`),
      unavailable: (_p, kind) => heard.push(`unavailable ${kind}`),
    },
  });
  return { leases, heard, fills };
}

const what = { project: 'hub', kind: 'blob' as const };

describe('fill leases', () => {
  it('a replica alone claims at once', async () => {
    assert.ok(await LOCAL_FILLS.claim('blob:hub@sha256:a', what, async () => false));
  });

  it('the first claim holds the lease until released; the content stored meanwhile is served, not fetched', async () => {
    const { fills, leases, heard } = setUp();
    const mine = await fills.claim('blob:hub@sha256:a', what, async () => false);
    assert.ok(mine);
    assert.equal(leases.held.size, 1);
    let stored = false;
    const theirs = fills.claim('blob:hub@sha256:a', what, async () => stored);
    stored = true;
    await mine.release();
    assert.equal(await theirs, undefined, 'the waiter found the content instead of fetching it');
    assert.deepEqual(heard, ['stored blob']);
    assert.equal(leases.held.size, 0, 'the waiter that found the content holds no lease');
  });

  it('a lease that ends without the content is taken over', async () => {
    const { fills, heard } = setUp();
    const mine = await fills.claim('blob:hub@sha256:a', what, async () => false);
    const theirs = fills.claim('blob:hub@sha256:a', what, async () => false);
    await mine!.release();
    assert.ok(await theirs, 'the waiter fetches now');
    assert.deepEqual(heard, ['takeover blob']);
  });

  it('content stored just before the lease was free is not fetched again', async () => {
    const { fills, heard } = setUp();
    assert.equal(await fills.claim('blob:hub@sha256:a', what, async () => true), undefined);
    assert.deepEqual(heard, []);
  });

  it('without the lease service a fill goes ahead alone', async () => {
    const { fills, leases, heard } = setUp();
    leases.failing = true;
    const claim = await fills.claim('blob:hub@sha256:a', what, async () => false);
    assert.ok(claim);
    await claim.release();
    assert.deepEqual(heard, ['unavailable blob']);
  });
});
