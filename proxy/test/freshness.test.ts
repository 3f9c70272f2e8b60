// Tag freshness against a real upstream: a tag's digest is trusted for tagTTL (no upstream manifest request within
// it, read from the upstream's access log), then checked; a tag moved upstream gives the new digest after the TTL.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startRegistry, type AccessLogEntry, type Registry } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };
const manifestRequests = (log: AccessLogEntry[], repository: string) =>
  log.filter((e) => e.path.startsWith(`/v2/${repository}/manifests/`)).length;

describe('proxy: tag freshness @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let first: Handmade;

  before(async () => {
    upstream = await startRegistry();
    first = await pushHandmadeImage(upstream.url, 'library/app', 'v1', [Buffer.from('first layer')]);
    // One upstream, two projects: `fresh` trusts a tag for 1 s, `steady` for an hour.
    cache = await proxyWith([
      { name: 'fresh', registry: 'fresh.example.test', upstream: upstream.url, tagTTL: '1s' },
      { name: 'steady', registry: 'steady.example.test', upstream: upstream.url, tagTTL: '1h' },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
  });

  const digestOf = async (registry: string) => {
    const response = await fetch(`${cache.proxy.url}/v2/${registry}/library/app/manifests/v1`, { headers: ACCEPT });
    await response.body?.cancel();
    assert.equal(response.status, 200);
    return response.headers.get('docker-content-digest');
  };

  it('within the TTL, a tag is served without any upstream manifest request', async () => {
    assert.equal(await digestOf('steady.example.test'), first.digest);
    const before = manifestRequests(await upstream.accessLog(), 'library/app');
    assert.ok(before > 0, 'the cold pull asked the upstream');
    for (let i = 0; i < 3; i++) assert.equal(await digestOf('steady.example.test'), first.digest);
    // The registry logs a request after answering it: a late entry would show up by the time this one does.
    await fetch(`${upstream.url}/v2/`).then((r) => r.body?.cancel());
    await upstream.waitForAccessLog((log) => log.some((e) => e.path === '/v2/'));
    assert.equal(manifestRequests(await upstream.accessLog(), 'library/app'), before);
  });

  it('after the TTL, a tag moved upstream gives the new digest; within its TTL the other project keeps the old', async () => {
    assert.equal(await digestOf('fresh.example.test'), first.digest);
    const checked = Date.now();
    const second = await pushHandmadeImage(upstream.url, 'library/app', 'v1', [Buffer.from('second layer')]);
    assert.notEqual(second.digest, first.digest);
    // Time passing is the event here: wait out the 1 s TTL since the tag was checked.
    await delay(Math.max(0, checked + 1_100 - Date.now()));
    assert.equal(await digestOf('fresh.example.test'), second.digest);
    assert.equal(await digestOf('steady.example.test'), first.digest);
  });
});

describe('proxy: a tag kept after an upstream delete @real', function () {
  this.timeout(300_000);
  const TTL_MS = 3_000;
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let image: Handmade;

  before(async () => {
    upstream = await startRegistry({ deleteEnabled: true });
    image = await pushHandmadeImage(upstream.url, 'library/gone', 'v1', [Buffer.from('a layer the upstream deletes')]);
    // notFoundTTL 0: the upstream's 404 is not remembered, so only the kept tag's own checkedAt can spare the upstream.
    cache = await proxyWith([
      { name: 'kept', registry: 'kept.example.test', upstream: upstream.url, tagTTL: `${TTL_MS / 1000}s`, notFoundTTL: '0s', keepAfterUpstreamDelete: true },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
  });

  const pull = async () => {
    const response = await fetch(`${cache.proxy.url}/v2/kept.example.test/library/gone/manifests/v1`, { headers: ACCEPT });
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-content-digest'), image.digest);
  };
  // Every request the upstream answered so far is in its log: the registry logs a request after answering it.
  const upstreamManifestRequests = async () => {
    const mark = `mark=${Math.random()}`;
    await fetch(`${upstream.url}/v2/?${mark}`).then((r) => r.body?.cancel());
    await upstream.waitForAccessLog((log) => log.some((e) => e.path === '/v2/' && e.query === mark));
    return manifestRequests(await upstream.accessLog(), 'library/gone');
  };

  it('is re-checked upstream once per tagTTL, not on every pull', async () => {
    await pull();
    const deleted = await fetch(`${upstream.url}/v2/library/gone/manifests/${image.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    // Wait out the TTL of the cold pull's check: the next pull asks the upstream, which answers 404.
    await delay(TTL_MS + 200);
    const beforeCheck = await upstreamManifestRequests();
    const checked = Date.now();
    for (let i = 0; i < 5; i++) await pull();
    const afterPulls = await upstreamManifestRequests();
    assert.ok(Date.now() - checked < TTL_MS, 'the pulls took longer than the TTL: the test proves nothing');
    assert.equal(afterPulls - beforeCheck, 1, `5 pulls within the TTL made ${afterPulls - beforeCheck} upstream manifest requests`);
    // At the TTL, the kept tag is checked again (the upstream may have the tag back by then).
    await delay(Math.max(0, checked + TTL_MS + 200 - Date.now()));
    await pull();
    assert.equal(await upstreamManifestRequests(), afterPulls + 1);
  });
});
