// SIGTERM while a client is in the middle of a large download: the proxy stops taking new work, lets the download
// finish (the client gets every byte, right), and exits 0.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildImage, pushImage, startRegistry, type Registry, type TestImage } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';

describe('proxy: SIGTERM drains in-flight downloads @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, image] = await Promise.all([startRegistry(), buildImage({ layerSizes: [50_000_000] })]);
    await pushImage(image, `${upstream.host}/library/big:v1`);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose()]);
  });

  it('the client reading slowly gets the whole blob, and the process exits 0', async () => {
    const layer = image.layerDigests[0]!;
    const response = await fetch(`${cache.proxy.url}/v2/docker.io/library/big/blobs/${layer}`);
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const hash = createHash('sha256');
    const first = await reader.read();
    assert.ok(first.value && first.value.byteLength > 0);
    hash.update(first.value);
    // The client has not read most of the blob yet (its socket buffers are full, the proxy waits on it) when the
    // proxy is told to stop.
    cache.proxy.process.kill('SIGTERM');
    const exited = cache.proxy.exited;
    let received = first.value.byteLength;
    let pauses = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      received += value.byteLength;
      // Read slowly for the first stretch: yield to the event loop between chunks, so the drain truly waits on us.
      if (pauses++ < 50) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(`sha256:${hash.digest('hex')}`, layer);
    assert.equal(received, Number(response.headers.get('content-length')), 'every byte arrived');
    assert.equal(await exited, 0);
  });

  it('after the drain, the port is closed', async () => {
    await assert.rejects(fetch(`${cache.proxy.url}/healthz`));
  });
});
