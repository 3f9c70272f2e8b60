// Cold and warm pulls through the proxy, by skopeo and containerd, with every routing a client uses: the path
// prefix (/v2/docker.io/…, containerd's override_path), `?ns=` (containerd's mirror requests) and the default
// project (no prefix). Cold pulls fetch from the upstream; warm pulls must not touch it.
import assert from 'node:assert/strict';
import {
  buildImage, buildMultiArchImage, pullImage, pushImage, startContainerd, startRegistry, tempDir, writeHostsToml,
  type AccessLogEntry, type Containerd, type Registry, type TempDir, type TestImage,
} from '@berth/e2e';
import { proxyWith, stats, type ProxyUnderTest } from './fixture.ts';

const blobGets = (log: AccessLogEntry[], digest: string) =>
  log.filter((e) => e.method === 'GET' && e.path.endsWith(`/blobs/${digest}`) && e.status === 200).length;

describe('proxy: cold and warm pulls @real', function () {
  this.timeout(300_000);
  let hub: Registry;
  let other: Registry;
  let app: TestImage;
  let multi: TestImage;
  let tool: TestImage;
  let cache: ProxyUnderTest;
  let containerd: Containerd;
  let nsHosts: TempDir;
  let prefixHosts: TempDir;

  before(async () => {
    [hub, other, app, multi, tool, containerd, nsHosts, prefixHosts] = await Promise.all([
      startRegistry(), startRegistry(),
      buildImage({ layerSizes: [2_000_000, 500_000] }),
      buildMultiArchImage({ layerSizes: [400_000] }),
      buildImage({ layerSizes: [100_000] }),
      startContainerd(), tempDir('berth-hosts-ns'), tempDir('berth-hosts-prefix'),
    ]);
    await pushImage(app, `${hub.host}/library/app:v1`);
    await pushImage(multi, `${hub.host}/library/multi:v1`);
    await pushImage(tool, `${other.host}/team/tool:v1`);
    cache = await proxyWith([
      { name: 'docker-hub', registry: 'docker.io', upstream: hub.url },
      { name: 'other', registry: 'registry.example.test', upstream: other.url },
    ]);
    for (const registry of ['docker.io', 'registry.example.test']) {
      await writeHostsToml(nsHosts.path, registry, [{ url: cache.proxy.url }]);
      await writeHostsToml(prefixHosts.path, registry, [{ url: `${cache.proxy.url}/v2/${registry}`, overridePath: true }]);
    }
  });
  after(async () => {
    await containerd?.stop();
    await cache?.dispose();
    await Promise.all([hub?.stop(), other?.stop(), app?.dispose(), multi?.dispose(), tool?.dispose(), nsHosts?.remove(), prefixHosts?.remove()]);
  });

  it('skopeo, cold, through the path prefix: fetches every layer from the upstream once, byte-exact', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`);
    try {
      const blobs = await pulled.blobDigests();
      for (const layer of app.layerDigests) assert.ok(blobs.includes(layer), `layer ${layer} pulled`);
    } finally {
      await pulled.dir.remove();
    }
    const log = await hub.waitForAccessLog((l) => app.layerDigests.every((d) => blobGets(l, d) >= 1));
    for (const layer of app.layerDigests) assert.equal(blobGets(log, layer), 1, `upstream GETs of ${layer}`);
  });

  it('skopeo, warm, by tag through the default project and by digest: served from the cache alone', async () => {
    const before = (await hub.accessLog()).length;
    for (const ref of [`${cache.proxy.host}/library/app:v1`, `${cache.proxy.host}/docker.io/library/app@${app.manifestDigest}`]) {
      const pulled = await pullImage(ref);
      await pulled.dir.remove();
    }
    const blobRequests = (await hub.accessLog()).slice(before).filter((e) => e.path.includes('/blobs/'));
    assert.deepEqual(blobRequests, [], 'no blob requested from the upstream');
  });

  it('Docker Hub short names get library/: docker.io/app is docker.io/library/app', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/app:v1`);
    try {
      assert.ok((await pulled.blobDigests()).includes(app.layerDigests[0]!));
    } finally {
      await pulled.dir.remove();
    }
  });

  it('containerd with ?ns=: a warm pull of a cached image fetches no blob upstream', async () => {
    const before = (await hub.accessLog()).length;
    await containerd.pull('docker.io/library/app:v1', { hostsDir: nsHosts.path });
    const blobRequests = (await hub.accessLog()).slice(before).filter((e) => e.path.includes('/blobs/'));
    assert.deepEqual(blobRequests, []);
  });

  it('containerd with ?ns=: a cold multi-arch pull fetches its platform, then warm through override_path', async () => {
    const arm64 = multi.platforms.find((p) => p.platform.architecture === 'arm64')!;
    await containerd.pull('docker.io/library/multi:v1', { hostsDir: nsHosts.path, platform: 'linux/arm64' });
    const cold = await hub.waitForAccessLog((l) => blobGets(l, arm64.layerDigests[0]!) >= 1);
    assert.equal(blobGets(cold, arm64.layerDigests[0]!), 1);

    await containerd.forgetImages();
    const before = (await hub.accessLog()).length;
    await containerd.pull('docker.io/library/multi:v1', { hostsDir: prefixHosts.path, platform: 'linux/arm64' });
    assert.match(await containerd.ctr(['images', 'ls', '-q']), /docker\.io\/library\/multi:v1/);
    const blobRequests = (await hub.accessLog()).slice(before).filter((e) => e.path.includes('/blobs/'));
    assert.deepEqual(blobRequests, []);
  });

  it('skopeo: every platform of a multi-arch image, cold for amd64 then warm for all', async () => {
    const first = await pullImage(`${cache.proxy.host}/docker.io/library/multi:v1`, { all: true });
    await first.dir.remove();
    const before = (await hub.accessLog()).length;
    const second = await pullImage(`${cache.proxy.host}/docker.io/library/multi@${multi.manifestDigest}`, { all: true });
    try {
      const blobs = await second.blobDigests();
      for (const layer of multi.layerDigests) assert.ok(blobs.includes(layer), `layer ${layer} pulled`);
    } finally {
      await second.dir.remove();
    }
    const blobRequests = (await hub.accessLog()).slice(before).filter((e) => e.path.includes('/blobs/'));
    assert.deepEqual(blobRequests, []);
  });

  it('routes ?ns= and the path prefix to the project of that registry, not the default one', async () => {
    await containerd.pull('registry.example.test/team/tool:v1', { hostsDir: nsHosts.path });
    const pulled = await pullImage(`${cache.proxy.host}/registry.example.test/team/tool:v1`);
    await pulled.dir.remove();
    const log = await other.waitForAccessLog((l) => blobGets(l, tool.layerDigests[0]!) >= 1);
    assert.equal(blobGets(log, tool.layerDigests[0]!), 1);
    assert.ok(!(await hub.accessLog()).some((e) => e.path.includes('team/tool')), 'the default upstream was not asked');
  });

  it('counts hits and misses per project in /_berth/stats', async () => {
    const s = await stats(cache.proxy.url);
    assert.ok(s.misses > 0 && s.hits > 0, JSON.stringify(s));
    assert.ok(s.artifacts > 0 && s.bytes >= 2_500_000, JSON.stringify(s));
    assert.ok(s.projects['docker-hub']!.hits > 0 && s.projects.other!.misses > 0, JSON.stringify(s.projects));
    assert.equal(s.lastUpstreamError, null);
  });
});
