// Upstream 404s against a real docker-registry: answered at once with the spec's 404 (one upstream request, no
// retries), and remembered for notFoundTTL so a storm of pulls for a missing image is one upstream request per period;
// once the image exists upstream and the period passed, it is served.
import assert from 'node:assert/strict';
import { startRegistry, type AccessLogEntry, type Registry } from '@berth/e2e';
import { errorCodes, fetchAll, proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

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
    cache = await proxyWith([{ name: 'hub', registry: 'docker.io', upstream: upstream.url }]);
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
});
