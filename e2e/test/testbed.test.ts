// Proves the test bed itself: an image pushed to a docker-registry comes back through skopeo and containerd,
// multi-arch too, and the credentialed registries refuse anonymous pulls and accept their credentials.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildImage, buildMultiArchImage, pullImage, pushImage, startContainerd, startRegistry, tempDir, writeHostsToml,
  type Containerd, type Registry, type TestImage,
} from '../src/index.ts';

async function sha256File(path: string): Promise<string> {
  return `sha256:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

describe('test bed @real', function () {
  this.timeout(300_000);

  describe('an open registry with delete enabled', () => {
    let registry: Registry;
    let image: TestImage;
    let multiArch: TestImage;
    let containerd: Containerd;

    before(async () => {
      [registry, image, multiArch, containerd] = await Promise.all([
        startRegistry({ deleteEnabled: true }),
        buildImage({ layerSizes: [1_000_000, 300_000] }),
        buildMultiArchImage({ layerSizes: [200_000] }),
        startContainerd(),
      ]);
      await pushImage(image, `${registry.host}/library/app:v1`);
      await pushImage(multiArch, `${registry.host}/library/multi:v1`);
    });
    after(async () => {
      await containerd?.stop();
      await registry?.stop();
      await image?.dispose();
      await multiArch?.dispose();
    });

    it('builds an image with one layer per size asked for', () => {
      assert.equal(image.layerDigests.length, 2);
      assert.equal(multiArch.platforms.length, 2);
      assert.deepEqual(multiArch.platforms.map((p) => p.platform.architecture), ['amd64', 'arm64']);
      assert.equal(multiArch.layerDigests.length, 2);
    });

    it('gives back the pushed image to skopeo, by tag and by digest, byte for byte', async () => {
      for (const ref of [`${registry.host}/library/app:v1`, `${registry.host}/library/app@${image.manifestDigest}`]) {
        const pulled = await pullImage(ref);
        try {
          assert.deepEqual((await pulled.blobDigests()).sort(), [...image.layerDigests, image.platforms[0]!.configDigest].sort());
          for (const layer of image.layerDigests) {
            assert.equal(await sha256File(join(pulled.dir.path, 'image', layer.slice('sha256:'.length))), layer);
          }
        } finally {
          await pulled.dir.remove();
        }
      }
    });

    it('gives back every platform of the multi-arch image to skopeo', async () => {
      const pulled = await pullImage(`${registry.host}/library/multi:v1`, { all: true });
      try {
        const blobs = await pulled.blobDigests();
        for (const layer of multiArch.layerDigests) assert.ok(blobs.includes(layer), `layer ${layer} pulled`);
      } finally {
        await pulled.dir.remove();
      }
    });

    it('serves containerd through a hosts.toml mirror, with ?ns= naming the registry', async () => {
      const hosts = await tempDir('berth-hosts');
      try {
        await writeHostsToml(hosts.path, 'docker.io', [{ url: registry.url }]);
        await containerd.pull('docker.io/library/app:v1', { hostsDir: hosts.path });
        await containerd.pull('docker.io/library/multi:v1', { hostsDir: hosts.path, platform: 'linux/arm64' });
        const images = await containerd.ctr(['images', 'ls', '-q']);
        assert.match(images, /docker\.io\/library\/app:v1/);
        const log = await registry.waitForAccessLog((entries) =>
          entries.some((e) => e.path === `/v2/library/multi/blobs/${multiArch.platforms[1]!.layerDigests[0]}`));
        for (const layer of image.layerDigests) {
          const get = log.find((e) => e.method === 'GET' && e.path === `/v2/library/app/blobs/${layer}` && e.query === 'ns=docker.io');
          assert.equal(get?.status, 200, `containerd fetched ${layer} with ?ns=docker.io`);
        }
        // containerd fetched only the arm64 image's layers of the multi-arch image.
        const amd64Layer = `/v2/library/multi/blobs/${multiArch.platforms[0]!.layerDigests[0]}`;
        assert.ok(!log.some((e) => e.path === amd64Layer && e.query === 'ns=docker.io'));
      } finally {
        await hosts.remove();
      }
    });

    it('serves containerd through a mirror with override_path, and forgets images on request', async () => {
      const hosts = await tempDir('berth-hosts');
      try {
        await containerd.forgetImages();
        await writeHostsToml(hosts.path, 'example.test', [{ url: `${registry.url}/v2`, overridePath: true }]);
        await containerd.pull('example.test/library/app:v1', { hostsDir: hosts.path });
        assert.match(await containerd.ctr(['images', 'ls', '-q']), /example\.test\/library\/app:v1/);
        assert.deepEqual((await containerd.ctr(['images', 'ls', '-q'])).trim().split('\n'), ['example.test/library/app:v1']);
      } finally {
        await hosts.remove();
      }
    });

    it('deletes a manifest upstream over HTTP, after which the tag is gone', async () => {
      const response = await fetch(`${registry.url}/v2/library/app/manifests/${image.manifestDigest}`, { method: 'DELETE' });
      assert.equal(response.status, 202);
      const head = await fetch(`${registry.url}/v2/library/app/manifests/v1`, { method: 'HEAD' });
      assert.equal(head.status, 404);
    });

    it('exposes the data file of a stored blob', async () => {
      const layer = multiArch.layerDigests[0]!;
      assert.equal(await sha256File(registry.blobDataPath(layer)), layer);
    });
  });

  for (const kind of ['htpasswd', 'token'] as const) {
    describe(`a registry with ${kind} auth`, () => {
      const credentials = { username: 'puller', password: `s3cret-${kind}` };
      let registry: Registry;
      let image: TestImage;

      before(async () => {
        [registry, image] = await Promise.all([
          startRegistry(kind === 'htpasswd' ? { htpasswd: credentials } : { tokenAuth: true, htpasswd: credentials }),
          buildImage({ layerSizes: [100_000] }),
        ]);
        await pushImage(image, `${registry.host}/private/app:v1`, { creds: `${credentials.username}:${credentials.password}` });
      });
      after(async () => {
        await registry?.stop();
        await image?.dispose();
      });

      it('answers anonymous requests with 401 and a challenge', async () => {
        const response = await fetch(`${registry.url}/v2/private/app/manifests/v1`);
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', kind === 'htpasswd' ? /^Basic / : /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token"/);
      });

      it('refuses an anonymous pull and a wrong password, naming neither password', async () => {
        await assert.rejects(pullImage(`${registry.host}/private/app:v1`));
        await assert.rejects(pullImage(`${registry.host}/private/app:v1`, { creds: `${credentials.username}:wrong-password` }), (err: Error) => {
          assert.ok(!err.message.includes('wrong-password') && !err.message.includes(credentials.password));
          return true;
        });
      });

      it('gives the image to a client with the credentials', async () => {
        const pulled = await pullImage(`${registry.host}/private/app:v1`, { creds: `${credentials.username}:${credentials.password}` });
        try {
          assert.ok((await pulled.blobDigests()).includes(image.layerDigests[0]!));
        } finally {
          await pulled.dir.remove();
        }
        if (kind === 'token') {
          assert.ok(registry.tokenService!.requests().some((r) => r.granted && r.scopes.includes('repository:private/app:pull')));
        }
      });
    });
  }
});
