// Many projects, one cache (issue 16), as the operator renders a shared cache: one proxy, one store, two projects of
// two upstreams, each with its own htpasswd. A layer both upstreams serve is stored once; each project's access
// rule still holds for its own path, so a client allowed on one project gets no byte of the other's blobs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htpasswdLine, startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import { errorCodes, fetchAll, filesNamed, hexOf, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { pushBlob } from './handmade.ts';

describe('proxy: two projects of two upstreams on one store @real', function () {
  this.timeout(300_000);
  const alice = { username: 'alice', password: 'shared-pass-a71' };
  const bob = { username: 'bob', password: 'shared-pass-b52' };
  const auth = (c: { username: string; password: string }) => ({ authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` });
  const common = randomBytes(2 * 1024 * 1024);
  const onlyB = randomBytes(512 * 1024);
  let upstreamA: Registry;
  let upstreamB: Registry;
  let secrets: TempDir;
  let cache: ProxyUnderTest;
  let commonDigest: string;
  let onlyBDigest: string;
  const blobUrl = (registry: string, digest: string) => `${cache.proxy.url}/v2/${registry}/team/app/blobs/${digest}`;

  before(async () => {
    [upstreamA, upstreamB, secrets] = await Promise.all([startRegistry(), startRegistry(), tempDir('berth-shared-store')]);
    commonDigest = await pushBlob(upstreamA.url, 'team/app', common);
    assert.equal(await pushBlob(upstreamB.url, 'team/app', common), commonDigest);
    onlyBDigest = await pushBlob(upstreamB.url, 'team/app', onlyB);
    const fileA = join(secrets.path, 'a-htpasswd');
    const fileB = join(secrets.path, 'b-htpasswd');
    await writeFile(fileA, htpasswdLine(alice.username, alice.password));
    await writeFile(fileB, htpasswdLine(bob.username, bob.password));
    cache = await proxyWith([
      { name: 'a', registry: 'a.test', upstream: upstreamA.url, default: true, access: { htpasswdFile: fileA } },
      { name: 'b', registry: 'b.test', upstream: upstreamB.url, access: { htpasswdFile: fileB } },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstreamA?.stop(), upstreamB?.stop(), secrets?.remove()]);
  });

  it('a layer both upstreams serve, pulled through both projects, is stored once', async () => {
    const throughA = await fetchAll(blobUrl('a.test', commonDigest), { headers: auth(alice) });
    const throughB = await fetchAll(blobUrl('b.test', commonDigest), { headers: auth(bob) });
    assert.equal(throughA.status, 200);
    assert.equal(throughB.status, 200);
    assert.equal(sha256(throughA.body!), commonDigest);
    assert.equal(sha256(throughB.body!), commonDigest);
    const stored = (await filesNamed(cache.storage, hexOf(commonDigest))).filter((f) => f.includes(`${join('v1', 'blobs')}`));
    assert.equal(stored.length, 1, `stored as ${stored.join(', ')}`);
  });

  it('a client of project a asking for project b\'s blobs under b\'s path gets 401 and no byte', async () => {
    assert.equal((await fetchAll(blobUrl('b.test', onlyBDigest), { headers: auth(bob) })).status, 200, 'b has it stored now');
    for (const digest of [onlyBDigest, commonDigest]) {
      for (const headers of [auth(alice), {}]) {
        const refused = await fetchAll(blobUrl('b.test', digest), { headers });
        assert.equal(refused.status, 401, digest);
        assert.deepEqual(errorCodes(refused.body), ['UNAUTHORIZED']);
        assert.ok(!refused.body?.includes((digest === onlyBDigest ? onlyB : common).subarray(0, 4096)));
      }
    }
  });

  it('asked under its own path for a blob only b has stored, project a answers 404 BLOB_UNKNOWN, not b\'s bytes', async () => {
    const own = await fetchAll(blobUrl('a.test', onlyBDigest), { headers: auth(alice) });
    assert.equal(own.status, 404);
    assert.deepEqual(errorCodes(own.body), ['BLOB_UNKNOWN']);
    assert.ok(!own.body?.includes(onlyB.subarray(0, 4096)));
  });
});
