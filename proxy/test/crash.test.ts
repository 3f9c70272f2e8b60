// The proxy killed with SIGKILL in the middle of a 200 MB download: after a restart on the same storage, no
// partial blob is ever served — not while the upstream is unreachable (nothing complete to serve), and after
// it is back the blob comes whole and right.
import assert from 'node:assert/strict';
import { buildImage, freePort, pushImage, startRegistry, type Registry, type TestImage } from '@berth/e2e';
import { fetchAll, proxyWith, sha256, type ProjectSpec, type ProxyUnderTest } from './fixture.ts';

describe('proxy: killed during a download @real', function () {
  this.timeout(600_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;
  let layer: string;
  const project = (upstreamUrl: string): ProjectSpec[] => [{ name: 'docker-hub', registry: 'docker.io', upstream: upstreamUrl }];
  const blobUrl = () => `${cache.proxy.url}/v2/docker.io/library/big/blobs/${layer}`;

  before(async () => {
    [upstream, image] = await Promise.all([startRegistry(), buildImage({ layerSizes: [200_000_000] })]);
    await pushImage(image, `${upstream.host}/library/big:v1`);
    layer = image.layerDigests[0]!;
    cache = await proxyWith(project(upstream.url));
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose()]);
  });

  it('SIGKILL once the first bytes reached the client', async () => {
    const response = await fetch(blobUrl());
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0, 'the proxy streams bytes before its download ends');
    await cache.proxy.stop('SIGKILL');
    await reader.cancel().catch(() => undefined);
  });

  it('restarted with the upstream unreachable: the blob is not served unless whole and right', async () => {
    cache = await cache.restart(project(`http://127.0.0.1:${await freePort()}`));
    const head = await fetch(blobUrl(), { method: 'HEAD' });
    const get = await fetchAll(blobUrl());
    if (get.status === 200) {
      // Only possible when the download had finished and been verified before the kill.
      assert.equal(get.bodyError, undefined);
      assert.equal(sha256(get.body!), layer);
      assert.equal(head.status, 200);
    } else {
      assert.ok(get.status >= 500, `status ${get.status}`);
      assert.notEqual(head.status, 200);
    }
  });

  it('restarted with the upstream back: the blob comes whole and right', async () => {
    await cache.proxy.stop();
    cache = await cache.restart(project(upstream.url));
    const get = await fetchAll(blobUrl());
    assert.equal(get.status, 200);
    assert.equal(get.bodyError, undefined);
    assert.equal(sha256(get.body!), layer);
  });
});
