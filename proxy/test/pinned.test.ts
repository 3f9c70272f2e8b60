// A pinned image is fetched whole when the proxy starts, before any client asks for it (the upstream's access log
// shows its blobs fetched), and is then served with the upstream stopped.
import assert from 'node:assert/strict';
import { buildImage, pullImage, pushImage, startRegistry, type AccessLogEntry, type Registry, type TestImage } from '@berth/e2e';
import { filesNamed, hexOf, proxyWith, type ProxyUnderTest } from './fixture.ts';

const fetched = (log: AccessLogEntry[], digest: string) => log.some((e) => e.method === 'GET' && e.path.endsWith(`/blobs/${digest}`) && e.status === 200);

describe('proxy: pinned images @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, image] = await Promise.all([startRegistry(), buildImage({ layerSizes: [1_000_000, 200_000] })]);
    await pushImage(image, `${upstream.host}/library/pinned:1.0`);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, pinned: ['pinned:1.0'] }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose()]);
  });

  it('fetches every blob of the pinned image at start, before any client asked', async () => {
    const blobs = [image.platforms[0]!.configDigest, ...image.layerDigests];
    // No client has asked the proxy for anything yet in this test: every fetch seen here is the pinner's.
    await upstream.waitForAccessLog((entries) => blobs.every((d) => fetched(entries, d)), 60_000);
    // The store holds them once the download is verified and committed, which the access log does not say: wait.
    for (const digest of blobs) {
      const deadline = Date.now() + 30_000;
      while ((await filesNamed(cache.storage, hexOf(digest))).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok((await filesNamed(cache.storage, hexOf(digest))).length > 0, `blob ${digest} stored`);
    }
    assert.deepEqual((await cache.proxy.log()).match(/"pinned image not fetched/g), null);
  });

  it('serves the pinned image with the upstream stopped', async () => {
    await upstream.stop();
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/pinned:1.0`);
    try {
      const blobs = await pulled.blobDigests();
      for (const layer of image.layerDigests) assert.ok(blobs.includes(layer), `layer ${layer}`);
    } finally {
      await pulled.dir.remove();
    }
  });
});
