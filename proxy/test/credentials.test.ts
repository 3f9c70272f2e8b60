// Credentialed upstreams, configured the way the operator mounts Secrets: username/password files for a registry
// with Basic (htpasswd) auth, a .dockerconfigjson for one behind a Bearer token service. The passwords must never
// show in the proxy's log.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, pullImage, pushImage, startRegistry, tempDir, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';

const user = { username: 'puller', password: 'upstream-pass-7f3a' };
const creds = `${user.username}:${user.password}`;

describe('proxy: credentialed upstreams @real', function () {
  this.timeout(300_000);
  let basic: Registry;
  let token: Registry;
  let image: TestImage;
  let secrets: TempDir;
  let cache: ProxyUnderTest;

  before(async () => {
    [basic, token, image, secrets] = await Promise.all([
      startRegistry({ htpasswd: user }), startRegistry({ tokenAuth: true, htpasswd: user }),
      buildImage({ layerSizes: [300_000] }), tempDir('berth-secrets'),
    ]);
    await pushImage(image, `${basic.host}/private/app:v1`, { creds });
    await pushImage(image, `${token.host}/private/app:v1`, { creds });
    const files = {
      username: join(secrets.path, 'username'), password: join(secrets.path, 'password'), dockerconfig: join(secrets.path, '.dockerconfigjson'),
    };
    await writeFile(files.username, user.username);
    await writeFile(files.password, `${user.password}\n`); // Secrets written by hand often end with a newline
    const auth = Buffer.from(creds).toString('base64');
    await writeFile(files.dockerconfig, JSON.stringify({ auths: { [token.host]: { auth } } }));
    cache = await proxyWith([
      { name: 'basic', registry: 'basic.example.test', upstream: basic.url, credentials: { usernameFile: files.username, passwordFile: files.password } },
      { name: 'token', registry: 'token.example.test', upstream: token.url, credentials: { dockerConfigJsonFile: files.dockerconfig } },
      { name: 'anonymous', registry: 'anonymous.example.test', upstream: basic.url },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([basic?.stop(), token?.stop(), image?.dispose(), secrets?.remove()]);
  });

  it('pulls from an htpasswd upstream with username and password files', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/basic.example.test/private/app:v1`);
    try {
      assert.ok((await pulled.blobDigests()).includes(image.layerDigests[0]!));
    } finally {
      await pulled.dir.remove();
    }
  });

  it('pulls from a Bearer token upstream with a dockerconfigjson, asking the token service for pull', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/token.example.test/private/app:v1`);
    try {
      assert.ok((await pulled.blobDigests()).includes(image.layerDigests[0]!));
    } finally {
      await pulled.dir.remove();
    }
    const granted = token.tokenService!.requests().filter((r) => r.granted && r.scopes.some((s) => s.startsWith('repository:private/app:') && s.includes('pull')));
    assert.ok(granted.length >= 1);
  });

  it('without credentials the upstream refuses, and the client gets an OCI error', async () => {
    const response = await fetch(`${cache.proxy.url}/v2/anonymous.example.test/private/app/manifests/v1`);
    assert.ok(response.status >= 400, `status ${response.status}`);
    const body = (await response.json()) as { errors: { code: string }[] };
    assert.ok(body.errors.length > 0);
  });

  it('never writes a password or an Authorization header to its log', async () => {
    const log = await cache.proxy.log();
    assert.ok(log.length > 0);
    assert.ok(!log.includes(user.password), 'password in the log');
    assert.ok(!log.includes(Buffer.from(creds).toString('base64')), 'basic credentials in the log');
    assert.ok(!/Bearer ey[A-Za-z0-9_-]{10,}/.test(log), 'a bearer token in the log');
  });
});
