import assert from 'node:assert/strict';
import { silentLogger } from '../observe/logger.ts';
import { ConflictError } from './cert-keeper.ts';
import { StatusReporter, type ProjectStatusStore, type ProjectView } from './status-reporter.ts';

class MemoryStatus implements ProjectStatusStore {
  status: Record<string, unknown> = {};
  version = 1;
  conflicts = 0;
  writes = 0;
  async read() {
    return { resourceVersion: String(this.version), status: structuredClone(this.status) };
  }
  async write(_ns: string, _name: string, resourceVersion: string, status: Record<string, unknown>) {
    if (this.conflicts > 0) {
      this.conflicts--;
      this.version++;
      throw new ConflictError('moved on');
    }
    assert.equal(resourceVersion, String(this.version));
    this.writes++;
    this.version++;
    this.status = Object.fromEntries(Object.entries({ ...this.status, ...status }).filter(([, v]) => v !== null));
  }
}

describe('webhook: status.podImageRewrite', () => {
  const view: ProjectView = { namespace: 'caches', name: 'quay', address: '10.96.0.10:5000', mode: 'Rewrite' };
  const now = () => new Date('2026-03-01T00:00:00Z');

  it('adds this replica\'s counts to what the status holds (another replica\'s included), in one write', async () => {
    const store = new MemoryStatus();
    store.status = { rewritten: 10, skipped: 1 };
    const r = new StatusReporter({ store, views: () => [view], log: silentLogger, now });
    r.count('caches/quay', 'rewritten');
    r.count('caches/quay', 'rewritten');
    r.count('caches/quay', 'checkFailures');
    r.checkFailed('caches/quay', 'quay.io/org/gone:v1', 'the cache answered 404');
    await r.flush();
    assert.deepEqual(store.status, {
      rewritten: 12, skipped: 1, checkFailures: 1, address: '10.96.0.10:5000', mode: 'Rewrite', updateTime: '2026-03-01T00:00:00.000Z',
      lastCheckFailure: { image: 'quay.io/org/gone:v1', message: 'the cache answered 404', time: '2026-03-01T00:00:00.000Z' },
    });
    assert.equal(store.writes, 1);
    await r.flush();
    assert.equal(store.writes, 2, 'the status seen is stale in this test (no watch): the address is written again');
  });

  it('keeps the counts through a conflict and writes them next round; no count is lost or doubled', async () => {
    const store = new MemoryStatus();
    store.conflicts = 1;
    const r = new StatusReporter({ store, views: () => [{ ...view, seen: { address: view.address, mode: 'Rewrite' } }], log: silentLogger, now });
    r.count('caches/quay', 'rewritten');
    await r.flush();
    assert.equal(store.writes, 0);
    r.count('caches/quay', 'rewritten');
    await r.flush();
    assert.equal(store.status.rewritten, 2);
    await r.flush();
    assert.equal(store.writes, 1, 'nothing pending and nothing changed: no write');
  });

  it('writes a problem as the message, and clears it once the project rewrites again', async () => {
    const store = new MemoryStatus();
    let current: ProjectView = { namespace: 'caches', name: 'quay', message: 'waiting for the Service to get a ClusterIP' };
    const r = new StatusReporter({ store, views: () => [current], log: silentLogger, now });
    await r.flush();
    assert.equal(store.status.message, 'waiting for the Service to get a ClusterIP');
    current = { ...view, seen: { message: 'waiting for the Service to get a ClusterIP' } };
    await r.flush();
    assert.equal(store.status.message, undefined);
    assert.equal(store.status.address, '10.96.0.10:5000');
  });
});
