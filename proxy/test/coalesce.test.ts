// One fetch for many: concurrent cold pulls of the same blob or manifest make exactly one upstream request, and
// every client gets the right bytes.
import assert from 'node:assert/strict';
import { buildImage, pushImage, startRegistry, type Registry, type TestImage } from '@berth/e2e';
import { fetchAll, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';

const CLIENTS = 20;

describe('proxy: concurrent cold pulls @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let big: TestImage;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, big] = await Promise.all([startRegistry(), buildImage({ layerSizes: [50_000_000] })]);
    await pushImage(big, `${upstream.host}/library/big:v1`);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), big?.dispose()]);
  });

  it(`${CLIENTS} clients pulling one 50 MB layer: one upstream GET, right bytes for all`, async () => {
    const layer = big.layerDigests[0]!;
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, () => fetchAll(`${cache.proxy.url}/v2/docker.io/library/big/blobs/${layer}`)),
    );
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200, `client ${i}`);
      assert.equal(r.bodyError, undefined, `client ${i}: ${r.bodyError?.message}`);
      assert.equal(sha256(r.body!), layer, `client ${i} got the layer's bytes`);
    }
    const isLayerGet = (e: { method: string; path: string }) => e.method === 'GET' && e.path === `/v2/library/big/blobs/${layer}`;
    const log = await upstream.waitForAccessLog((l) => l.some(isLayerGet));
    assert.equal(log.filter(isLayerGet).length, 1);
  });

  it(`${CLIENTS} clients asking for one manifest by tag: one upstream manifest GET`, async () => {
    const accept = 'application/vnd.oci.image.manifest.v1+json';
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, () => fetchAll(`${cache.proxy.url}/v2/docker.io/library/big/manifests/v1`, { headers: { accept } })),
    );
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.equal(sha256(r.body!), big.manifestDigest);
      assert.equal(r.headers.get('docker-content-digest'), big.manifestDigest);
    }
    const isManifestGet = (e: { method: string; path: string }) => e.method === 'GET' && e.path.startsWith('/v2/library/big/manifests/');
    const log = await upstream.waitForAccessLog((l) => l.some(isManifestGet));
    assert.equal(log.filter(isManifestGet).length, 1);
  });
});
