// A project that requires credentials from its clients: anonymous requests get 401 with a Basic challenge,
// clients with an htpasswd entry (bcrypt) pull; a flood of wrong passwords holds up no one else (issue 13).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { buildImage, htpasswdLine, pullImage, pushImage, startRegistry, tempDir, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { errorCodes, fetchAll, proxyWith, type ProxyUnderTest } from './fixture.ts';

describe('proxy: client access with htpasswd @real', function () {
  this.timeout(300_000);
  const client = { username: 'ci', password: 'client-pass-91c' };
  // bcrypt cost 10 (what `htpasswd -B -C 10` writes): each check is tens of ms of CPU.
  const builder = { username: 'builder', password: 'builder-pass-7e0' };
  const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let upstream: Registry;
  let image: TestImage;
  let secrets: TempDir;
  let cache: ProxyUnderTest;

  before(async () => {
    [upstream, image, secrets] = await Promise.all([startRegistry(), buildImage({ layerSizes: [100_000] }), tempDir('berth-access')]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    const htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine(client.username, client.password) + htpasswdLine(builder.username, builder.password, 10));
    cache = await proxyWith([
      { name: 'private', registry: 'docker.io', upstream: upstream.url, access: { htpasswdFile } },
      { name: 'public', registry: 'public.test', upstream: upstream.url },
    ]);
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

  it('a flood of wrong passwords holds up neither an anonymous request to another project nor a right password', async () => {
    const FLOOD = 50;
    const privateUrl = `${cache.proxy.url}/v2/docker.io/library/app/manifests/v1`;
    const publicUrl = `${cache.proxy.url}/v2/public.test/library/app/manifests/v1`;
    assert.equal((await fetchAll(publicUrl)).status, 200, 'the anonymous project serves the manifest (now cached)');
    // A client that logged in before: its next logins cost no bcrypt check, so the flood does not queue it either.
    assert.equal((await freshGet(privateUrl, { authorization: basic(builder.username, builder.password) })).status, 200);
    // Who answered, in the order the answers arrived.
    const order: string[] = [];
    let firstAnswer!: () => void;
    const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
    const flood = Array.from({ length: FLOOD }, (_, i) =>
      freshGet(privateUrl, { authorization: basic(builder.username, `wrong-${i}`) }).then((r) => {
        order.push('flood');
        firstAnswer();
        return r;
      }));
    // The flood is being checked, every request of it sent: a request sent now on a new connection arrives behind
    // all of them, so a check that blocks the process answers it last.
    await answered;
    const anonymous = await freshGet(publicUrl).then((r) => (order.push('anonymous'), r));
    const right = await freshGet(privateUrl, { authorization: basic(builder.username, builder.password) }).then((r) => (order.push('right'), r));
    const refused = await Promise.all(flood);

    assert.equal(anonymous.status, 200);
    assert.equal(right.status, 200, 'the known client is let in during the flood');
    for (const r of refused) {
      assert.equal(r.status, 401, r.body.toString());
      assert.deepEqual(errorCodes(r.body), ['UNAUTHORIZED']);
    }
    // Wrong-password answers that arrived after `who`'s: none if the checks queued everyone behind the flood.
    const floodAfter = (who: string) => order.slice(order.indexOf(who) + 1).filter((w) => w === 'flood').length;
    assert.ok(floodAfter('anonymous') > 0, `the anonymous answer came after all ${FLOOD} wrong-password answers: ${order.join(' ')}`);
    assert.ok(floodAfter('right') > 0, `the known client was answered after all ${FLOOD} wrong passwords: ${order.join(' ')}`);
  });
});

/** A GET on a connection of its own (no keep-alive pool): it reaches the server in the order it was sent. */
function freshGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) })).on('error', reject);
    }).on('error', reject).end();
  });
}
