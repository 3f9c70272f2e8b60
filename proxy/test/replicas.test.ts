// Two proxy replicas on one store directory with a shared Redis index (Debian redis-server): what replica A pulled,
// replica B serves from the cache, also with the upstream stopped.
import assert from 'node:assert/strict';
import { buildImage, pullImage, pushImage, startRedis, startRegistry, tempDir, type Redis, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { proxyWith, stats, type ProjectSpec, type ProxyUnderTest } from './fixture.ts';

describe('proxy: two replicas, one store, a Redis index @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let redis: Redis;
  let store: TempDir;
  let image: TestImage;
  let a: ProxyUnderTest;
  let b: ProxyUnderTest;

  before(async () => {
    [upstream, redis, store, image] = await Promise.all([startRegistry(), startRedis(), tempDir('berth-shared-store'), buildImage({ layerSizes: [1_000_000, 300_000] })]);
    await pushImage(image, `${upstream.host}/library/shared:v1`);
    const projects: ProjectSpec[] = [{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }];
    const replica = () => proxyWith(projects, { storage: store.path, redis: redis.url });
    [a, b] = await Promise.all([replica(), replica()]);
  });
  after(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await Promise.all([upstream?.stop(), redis?.stop(), store?.remove(), image?.dispose()]);
  });

  it('a pull through replica A fills the shared store and index', async () => {
    const pulled = await pullImage(`${a.proxy.host}/docker.io/library/shared:v1`);
    try {
      const blobs = await pulled.blobDigests();
      for (const layer of image.layerDigests) assert.ok(blobs.includes(layer), `layer ${layer}`);
    } finally {
      await pulled.dir.remove();
    }
    assert.ok((await stats(a.proxy.url)).misses > 0);
  });

  it('replica B serves it from the cache with the upstream stopped, by tag and by digest', async () => {
    await upstream.stop();
    for (const ref of [`${b.proxy.host}/docker.io/library/shared:v1`, `${b.proxy.host}/docker.io/library/shared@${image.manifestDigest}`]) {
      const pulled = await pullImage(ref);
      try {
        const blobs = await pulled.blobDigests();
        for (const layer of image.layerDigests) assert.ok(blobs.includes(layer), `${ref}: layer ${layer}`);
      } finally {
        await pulled.dir.remove();
      }
    }
    const s = await stats(b.proxy.url);
    assert.equal(s.misses, 0, JSON.stringify(s));
    assert.ok(s.hits > 0, JSON.stringify(s));
  });
});
