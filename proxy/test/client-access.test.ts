// A project that requires credentials from its clients: anonymous requests get 401 with a Basic challenge,
// clients with an htpasswd entry (bcrypt) pull.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, htpasswdLine, pullImage, pushImage, startRegistry, tempDir, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';

describe('proxy: client access with htpasswd @real', function () {
  this.timeout(300_000);
  const client = { username: 'ci', password: 'client-pass-91c' };
  let upstream: Registry;
  let image: TestImage;
  let secrets: TempDir;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, image, secrets] = await Promise.all([startRegistry(), buildImage({ layerSizes: [100_000] }), tempDir('berth-access')]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    const htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine(client.username, client.password));
    cache = await proxyWith([{ name: 'private', registry: 'docker.io', upstream: upstream.url, access: { htpasswdFile } }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose(), secrets?.remove()]);
  });

  it('answers anonymous requests with 401, a WWW-Authenticate challenge and UNAUTHORIZED', async () => {
    for (const path of ['/v2/', '/v2/docker.io/library/app/manifests/v1']) {
      const response = await fetch(`${cache.proxy.url}${path}`);
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm=/, path);
      const body = (await response.json()) as { errors: { code: string }[] };
      assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');
    }
  });

  it('refuses a wrong password', async () => {
    const auth = Buffer.from(`${client.username}:wrong`).toString('base64');
    const response = await fetch(`${cache.proxy.url}/v2/docker.io/library/app/manifests/v1`, { headers: { authorization: `Basic ${auth}` } });
    assert.equal(response.status, 401);
  });

  it('lets a client with an htpasswd entry pull', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`, { creds: `${client.username}:${client.password}` });
    try {
      assert.ok((await pulled.blobDigests()).includes(image.layerDigests[0]!));
    } finally {
      await pulled.dir.remove();
    }
  });
});
