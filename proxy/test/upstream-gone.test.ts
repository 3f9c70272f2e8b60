// What the proxy keeps when the upstream lets go: an upstream that deleted the image (DELETE over HTTP on a
// delete-enabled registry) and an upstream that is down. Harbor deletes its copy in the first case; Berth keeps
// serving, unless the project says keepAfterUpstreamDelete: false.
import assert from 'node:assert/strict';
import {
  buildImage, pullImage, pushImage, startContainerd, startRegistry, tempDir, writeHostsToml,
  type Containerd, type Registry, type TempDir, type TestImage,
} from '@berth/e2e';
import { proxyWith, stats, type ProxyUnderTest } from './fixture.ts';

async function deleteUpstream(registry: Registry, repository: string, image: TestImage): Promise<void> {
  const manifest = await fetch(`${registry.url}/v2/${repository}/manifests/${image.manifestDigest}`, { method: 'DELETE' });
  assert.equal(manifest.status, 202);
  for (const layer of image.layerDigests) {
    const blob = await fetch(`${registry.url}/v2/${repository}/blobs/${layer}`, { method: 'DELETE' });
    assert.equal(blob.status, 202);
  }
  assert.equal((await fetch(`${registry.url}/v2/${repository}/manifests/v1`, { method: 'HEAD' })).status, 404);
}

describe('proxy: upstream deletes and outages @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let kept: TestImage;
  let followed: TestImage;
  let cache: ProxyUnderTest;
  let containerd: Containerd;
  let hosts: TempDir;

  before(async () => {
    [upstream, kept, followed, containerd, hosts] = await Promise.all([
      startRegistry({ deleteEnabled: true }),
      buildImage({ layerSizes: [1_000_000] }),
      buildImage({ layerSizes: [200_000] }),
      startContainerd(),
      tempDir('berth-hosts'),
    ]);
    await pushImage(kept, `${upstream.host}/library/kept:v1`);
    await pushImage(followed, `${upstream.host}/library/followed:v1`);
    // tagTTL 0: every pull by tag asks the upstream, so a delete is seen at once.
    cache = await proxyWith([
      { name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, tagTTL: '0s' },
      { name: 'like-harbor', registry: 'harbor.example.test', upstream: upstream.url, tagTTL: '0s', keepAfterUpstreamDelete: false },
    ]);
    await writeHostsToml(hosts.path, 'docker.io', [{ url: cache.proxy.url }]);
    for (const ref of [`${cache.proxy.host}/docker.io/library/kept:v1`, `${cache.proxy.host}/harbor.example.test/library/followed:v1`]) {
      const pulled = await pullImage(ref);
      await pulled.dir.remove();
    }
  });
  after(async () => {
    await containerd?.stop();
    await cache?.dispose();
    await Promise.all([upstream?.stop(), kept?.dispose(), followed?.dispose(), hosts?.remove()]);
  });

  it('after the upstream deleted manifest and blobs, pulls by tag and by digest still succeed', async () => {
    await deleteUpstream(upstream, 'library/kept', kept);
    for (const ref of [`${cache.proxy.host}/docker.io/library/kept:v1`, `${cache.proxy.host}/docker.io/library/kept@${kept.manifestDigest}`]) {
      const pulled = await pullImage(ref);
      try {
        assert.ok((await pulled.blobDigests()).includes(kept.layerDigests[0]!), ref);
      } finally {
        await pulled.dir.remove();
      }
    }
    await containerd.pull('docker.io/library/kept:v1', { hostsDir: hosts.path });
  });

  it('marks what the upstream deleted in /_berth/stats', async () => {
    const s = await stats(cache.proxy.url);
    assert.ok(s.projects['docker-hub']!.upstreamDeleted >= 1, JSON.stringify(s.projects));
  });

  it('with keepAfterUpstreamDelete: false, follows the upstream: the deleted tag is gone', async () => {
    await deleteUpstream(upstream, 'library/followed', followed);
    const response = await fetch(`${cache.proxy.url}/v2/harbor.example.test/library/followed/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { errors: { code: string }[] };
    assert.equal(body.errors[0]?.code, 'MANIFEST_UNKNOWN');
  });

  it('with the upstream stopped, pulls by tag and by digest still succeed (skopeo and containerd)', async () => {
    await upstream.stop();
    for (const ref of [`${cache.proxy.host}/docker.io/library/kept:v1`, `${cache.proxy.host}/library/kept@${kept.manifestDigest}`]) {
      const pulled = await pullImage(ref);
      await pulled.dir.remove();
    }
    await containerd.forgetImages();
    await containerd.pull('docker.io/library/kept:v1', { hostsDir: hosts.path });
    await containerd.pull(`docker.io/library/kept@${kept.manifestDigest}`, { hostsDir: hosts.path });
  });

  it('with the upstream stopped, an image never cached is an OCI error, and the outage is in /_berth/stats', async () => {
    const response = await fetch(`${cache.proxy.url}/v2/docker.io/library/never-cached/manifests/v1`);
    assert.ok([502, 503].includes(response.status), `status ${response.status}`);
    const body = (await response.json()) as { errors: { code: string }[] };
    assert.ok(body.errors.length > 0 && typeof body.errors[0]!.code === 'string');
    const s = await stats(cache.proxy.url);
    assert.notEqual(s.lastUpstreamError, null);
  });
});
