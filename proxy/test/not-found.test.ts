// Upstream 404s against a real docker-registry: answered at once with the spec's 404 (one upstream request, no
// retries), and remembered for notFoundTTL so a storm of pulls for a missing image is one upstream request per period;
// once the image exists upstream and the period passed, it is served.
import assert from 'node:assert/strict';
import { startRegistry, type AccessLogEntry, type Registry } from '@berth/e2e';
import { errorCodes, fetchAll, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { pushBlob, pushHandmadeImage, type Handmade } from './handmade.ts';

const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };
const requestsFor = (log: AccessLogEntry[], path: string) => log.filter((e) => e.path === path).length;

describe('proxy: upstream 404s @real', function () {
  this.timeout(120_000);
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let image: Handmade;

  before(async () => {
    upstream = await startRegistry();
    image = await pushHandmadeImage(upstream.url, 'library/app', 'v1', [Buffer.from('a layer')]);
    cache = await proxyWith([
      { name: 'hub', registry: 'docker.io', upstream: upstream.url, notFoundTTL: '0s' },
      { name: 'brief', registry: 'brief.example.test', upstream: upstream.url, notFoundTTL: '1s' },
      { name: 'long', registry: 'long.example.test', upstream: upstream.url, notFoundTTL: '1h' },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
  });

  /** Every request the upstream answered before now: the registry logs a request after answering it. */
  const settledLog = async () => {
    const pings = (log: AccessLogEntry[]) => requestsFor(log, '/v2/');
    const before = pings(await upstream.accessLog());
    await fetch(`${upstream.url}/v2/`).then((r) => r.body?.cancel());
    await upstream.waitForAccessLog((log) => pings(log) > before);
    return upstream.accessLog();
  };

  it('an unknown manifest digest is MANIFEST_UNKNOWN after one upstream request', async () => {
    const missing = `sha256:${'d'.repeat(64)}`;
    const response = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/app/manifests/${missing}`, { headers: ACCEPT });
    assert.equal(response.status, 404);
    assert.deepEqual(errorCodes(response.body), ['MANIFEST_UNKNOWN']);
    assert.equal(requestsFor(await settledLog(), `/v2/library/app/manifests/${missing}`), 1);
  });

  it('a blob digest asked for as a manifest is answered at once: one upstream request, not retries', async () => {
    // docker-registry answers a blob's digest under manifests/ with 500 UNKNOWN (it fails to parse the blob), every
    // time: the proxy passes that on as UPSTREAM_UNAVAILABLE instead of asking three more times with backoff.
    const blob = image.layers[0]!;
    const path = `/v2/library/app/manifests/${blob}`;
    const response = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/app/manifests/${blob}`, { headers: ACCEPT });
    assert.equal(response.status, 502);
    assert.deepEqual(errorCodes(response.body), ['UPSTREAM_UNAVAILABLE']);
    const log = await settledLog();
    assert.deepEqual(log.filter((e) => e.path === path).map((e) => e.status), [500]);
  });

  it('a missing blob is BLOB_UNKNOWN after one upstream request', async () => {
    const missing = `sha256:${'e'.repeat(64)}`;
    const response = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/app/blobs/${missing}`);
    assert.equal(response.status, 404);
    assert.deepEqual(errorCodes(response.body), ['BLOB_UNKNOWN']);
    assert.equal(requestsFor(await settledLog(), `/v2/library/app/blobs/${missing}`), 1);
  });

  it('a missing repository\'s tag list is NAME_UNKNOWN after one upstream request', async () => {
    const response = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/nowhere/tags/list`);
    assert.equal(response.status, 404);
    assert.deepEqual(errorCodes(response.body), ['NAME_UNKNOWN']);
    assert.equal(requestsFor(await settledLog(), '/v2/library/nowhere/tags/list'), 1);
  });

  it('20 concurrent and then sequential pulls of a missing tag are one upstream request within notFoundTTL', async () => {
    const url = `${cache.proxy.url}/v2/long.example.test/library/storm/manifests/v1`;
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => fetchAll(url, { headers: ACCEPT })));
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await fetchAll(url, { headers: ACCEPT }));
    for (const response of [...concurrent, ...sequential]) {
      assert.equal(response.status, 404);
      assert.deepEqual(errorCodes(response.body), ['MANIFEST_UNKNOWN']);
    }
    const log = await settledLog();
    assert.equal(log.filter((e) => e.path.startsWith('/v2/library/storm/manifests/')).length, 1, JSON.stringify(log.slice(-30)));
  });

  it('a missing tag pushed upstream is served once its notFoundTTL passed', async () => {
    const url = `${cache.proxy.url}/v2/brief.example.test/library/late/manifests/v1`;
    assert.equal((await fetchAll(url, { headers: ACCEPT })).status, 404);
    const missedAt = Date.now();
    const late = await pushHandmadeImage(upstream.url, 'library/late', 'v1', [Buffer.from('late layer')]);
    // Within the period the miss is remembered (unless the push already took longer than it).
    const within = await fetchAll(url, { headers: ACCEPT });
    if (Date.now() - missedAt < 900) assert.equal(within.status, 404);
    let served: Awaited<ReturnType<typeof fetchAll>> | undefined;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      served = await fetchAll(url, { headers: ACCEPT });
      if (served.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(served?.status, 200);
    assert.equal(served.headers.get('docker-content-digest'), late.digest);
    assert.ok(Date.now() - missedAt >= 1_000, 'served only after the period');
  });

  it('a remembered miss does not hide a blob that was stored through another path', async () => {
    // The blob is missed under `long` (1 h), then stored when an image that holds it is pulled through the proxy.
    const bytes = Buffer.from('stored later');
    const blobUrl = `${cache.proxy.url}/v2/long.example.test/library/later/blobs/${sha256(bytes)}`;
    assert.equal((await fetchAll(blobUrl)).status, 404);
    await pushBlob(upstream.url, 'library/later', bytes);
    // Another path: the same bytes pulled through the proxy as a layer of an image in another repository.
    const other = await pushHandmadeImage(upstream.url, 'library/holder', 'v1', [bytes]);
    const holderBlob = await fetchAll(`${cache.proxy.url}/v2/long.example.test/library/holder/blobs/${other.layers[0]}`);
    assert.equal(holderBlob.status, 200);
    // Stored now (and linked to this project): served although the miss under library/later is remembered.
    const again = await fetchAll(blobUrl);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, bytes);
  });
});

