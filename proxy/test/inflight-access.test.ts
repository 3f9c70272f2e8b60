// Issue 13: a protected project's download in flight is no way around its access rule. A project serves a blob only
// when that project has it (its index links it, or its own upstream sends it): while a protected project fetches a
// blob, the same digest asked for through an anonymous project whose upstream lacks it gets what it gets once the
// blob is stored — 404 BLOB_UNKNOWN — and never a byte of it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htpasswdLine, startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import { errorCodes, fetchAll, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { holdingGate, type HoldingGate } from './gate.ts';
import { pushBlob } from './handmade.ts';

describe('proxy: a protected download in flight stays protected @real', function () {
  this.timeout(300_000);
  const client = { username: 'ci', password: 'inflight-pass-4d2' };
  const auth = { authorization: `Basic ${Buffer.from(`${client.username}:${client.password}`).toString('base64')}` };
  const blob = randomBytes(8 * 1024 * 1024);
  let privateUpstream: Registry;
  let publicUpstream: Registry;
  let gate: HoldingGate;
  let secrets: TempDir;
  let cache: ProxyUnderTest;
  let digest: string;

  before(async () => {
    [privateUpstream, publicUpstream, secrets] = await Promise.all([startRegistry(), startRegistry(), tempDir('berth-inflight')]);
    digest = await pushBlob(privateUpstream.url, 'library/app', blob);
    // The protected project's upstream answers headers and the first MiB, then holds the rest until released.
    gate = await holdingGate(privateUpstream.host, 1024 * 1024);
    const htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine(client.username, client.password));
    cache = await proxyWith([
      { name: 'private', registry: 'private.test', upstream: gate.url, access: { htpasswdFile } },
      { name: 'public', registry: 'public.test', upstream: publicUpstream.url },
    ]);
  });
  after(async () => {
    gate?.release();
    await cache?.dispose();
    await gate?.close();
    await Promise.all([privateUpstream?.stop(), publicUpstream?.stop(), secrets?.remove()]);
  });

  it('an anonymous project gets 404 BLOB_UNKNOWN for a digest the protected project is downloading, as once stored', async () => {
    const privateUrl = `${cache.proxy.url}/v2/private.test/library/app/blobs/${digest}`;
    const publicUrl = `${cache.proxy.url}/v2/public.test/library/app/blobs/${digest}`;
    // The authorised client starts the download and has its first bytes: the fill is in flight, held at the gate.
    const owner = await fetch(privateUrl, { headers: auth });
    assert.equal(owner.status, 200);
    const reader = owner.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.byteLength > 0);

    const head = await fetch(publicUrl, { method: 'HEAD' });
    const anonymous = await fetch(publicUrl);
    const status = anonymous.status;
    gate.release();
    const anonymousBody = Buffer.from(await anonymous.arrayBuffer());

    const chunks: Buffer[] = [Buffer.from(first.value)];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(Buffer.from(r.value));
    assert.equal(sha256(Buffer.concat(chunks)), digest, 'the authorised client gets the blob');

    assert.equal(status, 404, `GET during the download answered ${status} with ${anonymousBody.byteLength} bytes`);
    assert.deepEqual(errorCodes(anonymousBody), ['BLOB_UNKNOWN']);
    assert.ok(!anonymousBody.includes(blob.subarray(0, 4096)), 'no byte of the protected blob');
    assert.equal(head.status, 404, 'HEAD during the download');
  });

  it('once stored, the anonymous project still gets 404 BLOB_UNKNOWN and the protected one the bytes', async () => {
    const stored = await fetchAll(`${cache.proxy.url}/v2/public.test/library/app/blobs/${digest}`);
    assert.equal(stored.status, 404);
    assert.deepEqual(errorCodes(stored.body), ['BLOB_UNKNOWN']);
    const own = await fetchAll(`${cache.proxy.url}/v2/private.test/library/app/blobs/${digest}`, { headers: auth });
    assert.equal(own.status, 200);
    assert.equal(sha256(own.body!), digest);
  });
});
