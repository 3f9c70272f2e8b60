// After a scenario of a cold pull, a warm pull and an upstream delete, /_berth/stats and /metrics tell it: misses,
// hits, stored artifacts and bytes, upstream-deleted.
import assert from 'node:assert/strict';
import { buildImage, pullImage, pushImage, startRegistry, type Registry, type TestImage } from '@berth/e2e';
import { proxyWith, stats, type ProxyUnderTest } from './fixture.ts';

/** The value of one sample of a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((l) => labelText.split(',').includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('proxy: metrics and stats after a scenario @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, image] = await Promise.all([startRegistry({ deleteEnabled: true }), buildImage({ layerSizes: [500_000] })]);
    await pushImage(image, `${upstream.host}/library/watched:v1`);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, tagTTL: '0s' }]);
    const ref = `${cache.proxy.host}/docker.io/library/watched:v1`;
    for (let i = 0; i < 2; i++) await (await pullImage(ref)).dir.remove(); // cold, then warm
    const deleted = await fetch(`${upstream.url}/v2/library/watched/manifests/${image.manifestDigest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    await (await pullImage(ref)).dir.remove(); // served from the cache, marked upstream-deleted
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose()]);
  });

  it('/_berth/stats counts hits, misses, stored artifacts and upstream-deleted, in total and per project', async () => {
    const s = await stats(cache.proxy.url);
    const p = s.projects['docker-hub']!;
    // Cold: manifest, config and layer missed. Warm and after the delete: the blobs hit.
    assert.ok(p.misses >= 3, JSON.stringify(p));
    assert.ok(p.hits >= 4, JSON.stringify(p));
    assert.ok(p.upstreamDeleted >= 1, JSON.stringify(p));
    assert.equal(p.artifacts, 3, 'manifest, config and layer stored');
    assert.ok(p.bytes > 500_000, JSON.stringify(p));
    for (const key of ['hits', 'misses', 'upstreamDeleted', 'artifacts', 'bytes'] as const) assert.equal(s[key], p[key], key);
  });

  it('/metrics has the same counts, by project and kind, and requests by route and code', async () => {
    const text = await (await fetch(`${cache.proxy.url}/metrics`)).text();
    const s = (await stats(cache.proxy.url)).projects['docker-hub']!;
    const byKind = (name: string) => ['manifest', 'blob'].reduce((sum, kind) => sum + sample(text, name, { project: 'docker-hub', kind }), 0);
    assert.equal(byKind('berth_cache_hits_total'), s.hits);
    assert.equal(byKind('berth_cache_misses_total'), s.misses);
    assert.equal(sample(text, 'berth_upstream_deleted_total', { project: 'docker-hub' }), s.upstreamDeleted);
    assert.equal(sample(text, 'berth_store_bytes', { project: 'docker-hub' }), s.bytes);
    assert.ok(sample(text, 'berth_requests_total', { route: 'blob', code: '200' }) >= 6);
    assert.ok(sample(text, 'berth_bytes_served_total', { source: 'cache' }) > 0);
    assert.ok(sample(text, 'berth_bytes_served_total', { source: 'upstream' }) > 0);
  });
});
