import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheStatus, httpStatsFetcher, humanBytes } from './proxy-stats.ts';

describe('proxy stats', () => {
  it('writes sizes as short quantities', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 1288490189, 50 * 2 ** 30].map(humanBytes), ['0', '1023', '1Ki', '1.5Ki', '1.2Gi', '50Gi']);
  });

  it('turns stats into status figures with a hit percentage', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const s = cacheStatus({ artifacts: 3, bytes: 2048, hits: 2, misses: 1, upstreamDeleted: 1, lastUpstreamError: null }, now);
    assert.deepEqual(s, { artifacts: 3, bytes: 2048, size: '2Ki', hits: 2, misses: 1, hitPercent: 67, upstreamDeleted: 1, updateTime: now.toISOString() });
    assert.equal(cacheStatus({ artifacts: 0, bytes: 0, hits: 0, misses: 0, upstreamDeleted: 0, lastUpstreamError: null }, now).hitPercent, 0);
  });

  it('adds what the proxy\'s index holds: repositories, manifests kept, the largest repositories with their size', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const topRepositories = [{ name: 'library/nginx', bytes: 3 * 2 ** 20 }, { name: 'library/busybox', bytes: 2048 }];
    const s = cacheStatus({
      artifacts: 3, bytes: 2048, hits: 2, misses: 1, upstreamDeleted: 1, lastUpstreamError: null,
      index: { repositories: 2, keptAfterUpstreamDelete: 1, topRepositories, time: now.toISOString() },
    }, now);
    assert.deepEqual([s.repositories, s.keptAfterUpstreamDelete, s.topRepositories], [2, 1, [
      { name: 'library/nginx', bytes: 3 * 2 ** 20, size: '3Mi' }, { name: 'library/busybox', bytes: 2048, size: '2Ki' },
    ]]);
  });

  it('fetches /_berth/stats over HTTP and refuses a non-200', async () => {
    const body = { artifacts: 1, bytes: 2, hits: 3, misses: 4, upstreamDeleted: 0, lastUpstreamError: null };
    const server = createServer((req, res) => {
      if (req.url === '/_berth/stats') res.end(JSON.stringify(body));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      assert.deepEqual(await httpStatsFetcher(base), body);
      await assert.rejects(httpStatsFetcher(`${base}/nope`), /HTTP 404/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
