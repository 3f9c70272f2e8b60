// The proxy storing on S3-compatible object storage (storage.s3) against real parts: versitygw as the bucket, a real
// docker-registry upstream (behind the fault-injecting proxy where a test needs a stalled body), skopeo as client.
// A blob is in the bucket under its final key only once verified: not while its multipart upload runs, not after
// bytes that do not match, not after a crash — and the upload a crash left is aborted when the proxy starts again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  freePort, pullImage, startFaultyUpstream, startRegistry, startVersitygw, tempDir, waitFor,
  type FaultyUpstream, type Registry, type S3Server,
} from '@berth/e2e';
import { fetchAll, filesNamed, hexOf, proxyWith, sha256, stats, type ProjectSpec, type ProxyPlacement, type ProxyUnderTest } from './fixture.ts';
import { pushBlob, pushHandmadeImage, type Handmade } from './handmade.ts';
import type { Digest } from '../src/oci/digest.ts';
import { bucketKeys } from '../src/store/s3/keys.ts';
import { UploadSweeper } from '../src/store/s3/uploads.ts';
import { storePaths } from '../src/store/paths.ts';
import { createS3Client } from '../src/store/s3/client.ts';
import { thisProcess } from '../src/store/s3/owner.ts';
import { S3BlobStore } from '../src/store/s3/s3-store.ts';

const MB = 1_000_000;
const BUCKET = 'berth-cache';

/** The key of a blob under `prefix`, as proxy/src/store/s3/keys.ts lays it out. */
const blobKey = (prefix: string, digest: string) => `${prefix}v1/blobs/sha256/${hexOf(digest).slice(0, 2)}/${hexOf(digest)}`;

describe('proxy: S3-compatible object storage @real', function () {
  this.timeout(300_000);
  const prefix = 'cache/';
  let upstream: Registry;
  let faulty: FaultyUpstream;
  let s3: S3Server;
  let cache: ProxyUnderTest;
  let image: Handmade;
  let big: Buffer;
  let small: Buffer;
  const projects = (url: string): ProjectSpec[] => [{ name: 'docker-hub', registry: 'docker.io', upstream: url }];
  const placement = (): ProxyPlacement => ({
    s3: { endpoint: s3.endpoint, bucket: BUCKET, prefix, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
  });
  const blobUrl = (repository: string, digest: string) => `${cache.proxy.url}/v2/docker.io/library/${repository}/blobs/${digest}`;
  const objectBytes = async (key: string) => {
    const res = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };
  const notes = () => s3.listKeys(BUCKET, `${prefix}v1/uploads/`);

  before(async () => {
    [upstream, s3] = await Promise.all([startRegistry(), startVersitygw()]);
    await s3.createBucket(BUCKET);
    faulty = await startFaultyUpstream(upstream.url);
    // 40 MB: a multipart upload of three 16 MiB parts; 300 KB: one PUT, and served from memory when warm.
    big = randomBytes(40 * MB);
    small = randomBytes(300_000);
    image = await pushHandmadeImage(upstream.url, 'library/app', 'v1', [big, small]);
    cache = await proxyWith(projects(faulty.url), placement());
  });
  after(async () => {
    await cache?.dispose();
    await faulty?.close();
    await Promise.all([upstream?.stop(), s3?.stop()]);
  });

  it('a pulled image lands in the bucket, each blob under its final key and nothing else', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`);
    await pulled.dir.remove();
    const digests = [image.digest, image.config, ...image.layers];
    // A client has a blob once it is verified, the upload may finish a moment later (cache/fill.ts).
    const blobKeys = digests.map((d) => blobKey(prefix, d));
    const keys = await waitFor(async () => {
      const listed = await s3.listKeys(BUCKET);
      return blobKeys.every((k) => listed.includes(k)) && !listed.some((k) => k.startsWith(`${prefix}v1/uploads/`)) ? listed : undefined;
    }, { what: 'every blob under its final key, no upload note left' });
    // Besides the blobs, only the proxy's heartbeat (no upload notes left).
    assert.deepEqual(keys.filter((k) => !k.startsWith(`${prefix}v1/instances/`)), digests.map((d) => blobKey(prefix, d)).sort());
    assert.equal(keys.filter((k) => k.startsWith(`${prefix}v1/instances/`)).length, 1);
    assert.deepEqual(await s3.listUploads(BUCKET), [], 'no multipart upload is left open');
    assert.equal(sha256(await objectBytes(blobKey(prefix, image.layers[0]!))), image.layers[0]);
    for (const digest of digests) {
      // Kept locally only as this replica's copy of the bucket's object (store/s3/local-copies.ts): no download left.
      for (const file of await filesNamed(cache.storage, hexOf(digest))) assert.match(file, /v1\/copies\//, 'the local folder keeps no blob but copies');
    }
  });

  it('answers Range requests from the bucket, for a streamed blob and one held in memory', async () => {
    for (const [digest, bytes] of [[image.layers[0]!, big], [image.layers[1]!, small]] as const) {
      const r = await fetchAll(blobUrl('app', digest), { headers: { range: 'bytes=1000-1999' } });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes 1000-1999/${bytes.byteLength}`);
      assert.deepEqual(r.body, bytes.subarray(1000, 2000));
    }
  });

  it('bytes that do not match their digest leave nothing in the bucket, not even parts', async () => {
    // One byte changed near the end, in the registry's own storage: every part but the last is uploaded before the
    // digest can be checked.
    const bytes = randomBytes(40 * MB);
    const digest = await pushBlob(upstream.url, 'library/bad', bytes);
    const dataFile = upstream.blobDataPath(digest);
    const stored = await readFile(dataFile);
    stored[stored.length - 10]! ^= 0xff;
    await writeFile(dataFile, stored);
    const r = await fetchAll(blobUrl('bad', digest));
    assert.ok(r.status >= 400 || r.bodyError !== undefined, `status ${r.status}, ${r.body?.length} bytes`);
    // The proxy aborts the upload after the client saw the broken end: wait for that, then look.
    await waitFor(async () => (await s3.listUploads(BUCKET)).length === 0, { what: 'the multipart upload aborted' });
    assert.deepEqual((await s3.listKeys(BUCKET)).filter((k) => k.includes(hexOf(digest))), []);
    assert.deepEqual(await notes(), []);
  });

  it('a proxy killed mid-upload leaves nothing visible; its restart aborts the upload it left', async () => {
    const bytes = randomBytes(48 * MB);
    const digest = await pushBlob(upstream.url, 'library/stalled', bytes);
    // Half the body (24 MB, so one 16 MiB part is on its way to the bucket), then nothing.
    faulty.inject({ kind: 'blob', method: 'GET', fault: { kind: 'stall-body' }, times: 1 });
    const response = await fetch(blobUrl('stalled', digest));
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    assert.ok((await reader.read()).value?.length, 'the proxy streams bytes while it downloads');
    await waitFor(async () => (await s3.listUploads(BUCKET)).includes(blobKey(prefix, digest)), { what: 'a multipart upload of the blob' });
    // The note is written right after the upload is created: wait for it as for the upload, not a moment sooner.
    await waitFor(async () => (await notes()).length === 1, { what: 'the upload has its note' });
    await cache.proxy.stop('SIGKILL');
    await reader.cancel().catch(() => undefined);
    faulty.clear();
    faulty.disconnect();

    assert.ok(!(await s3.listKeys(BUCKET)).includes(blobKey(prefix, digest)), 'nothing visible under the final key');
    assert.deepEqual(await s3.listUploads(BUCKET), [blobKey(prefix, digest)], 'the crash left its upload');
    cache = await cache.restart();
    assert.deepEqual(await s3.listUploads(BUCKET), [], 'the restarted proxy aborted it');
    assert.deepEqual(await notes(), []);
    assert.ok(!(await s3.listKeys(BUCKET)).includes(blobKey(prefix, digest)));

    const again = await fetchAll(blobUrl('stalled', digest));
    assert.equal(again.status, 200);
    assert.equal(sha256(again.body!), digest);
    // Uploaded in the moment after the client had it whole (cache/fill.ts).
    const stored = await waitFor(() => objectBytes(blobKey(prefix, digest)).catch(() => undefined), { what: 'the blob in the bucket' });
    assert.equal(sha256(stored), digest);
  });

  it('a restarted proxy serves warm pulls from the bucket with the upstream gone', async () => {
    await cache.proxy.stop();
    cache = await cache.restart(projects(`http://127.0.0.1:${await freePort()}`));
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`);
    assert.deepEqual((await pulled.blobDigests()).sort(), [image.config, ...image.layers].sort());
    await pulled.dir.remove();
    const r = await fetchAll(blobUrl('app', image.layers[0]!));
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body!), image.layers[0]);
  });
});

describe('proxy: retention on S3-compatible object storage @real', function () {
  this.timeout(300_000);
  const prefix = 'small/';
  let upstream: Registry;
  let s3: S3Server;
  let cache: ProxyUnderTest;
  const images: Handmade[] = [];

  before(async () => {
    [upstream, s3] = await Promise.all([startRegistry(), startVersitygw()]);
    await s3.createBucket(BUCKET);
    for (const name of ['oldest', 'middle', 'newest']) images.push(await pushHandmadeImage(upstream.url, `library/${name}`, 'v1', [randomBytes(MB)]));
    // Room for two images (1 MB and a little each), not for three.
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, retention: { maxSize: '2.5M' } }], {
      s3: { endpoint: s3.endpoint, bucket: BUCKET, prefix, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
    });
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), s3?.stop()]);
  });

  it('eviction deletes the least recently pulled image\'s objects from the bucket, and only them', async () => {
    for (const name of ['oldest', 'middle', 'newest']) {
      const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/${name}:v1`);
      await pulled.dir.remove();
    }
    // Eviction runs right after the download that took the project over its size; the stats show when it is done.
    await waitFor(async () => (await stats(cache.proxy.url)).bytes <= 2_500_000, { what: 'retention back under maxSize' });
    const keys = await s3.listKeys(BUCKET);
    const kept = (image: Handmade) => [image.digest, image.config, ...image.layers].map((d) => keys.includes(blobKey(prefix, d)));
    assert.deepEqual(kept(images[0]!), [false, false, false], 'the oldest image is gone from the bucket');
    assert.deepEqual(kept(images[1]!), [true, true, true]);
    assert.deepEqual(kept(images[2]!), [true, true, true]);
  });
});

describe('proxy: abandoned multipart uploads on S3-compatible object storage @real', function () {
  this.timeout(120_000);
  let s3: S3Server;

  before(async () => {
    s3 = await startVersitygw();
    await s3.createBucket(BUCKET);
  });
  after(() => s3?.stop());

  it('an upload another replica left is aborted once older than abandonedAfterMs, not before', async () => {
    const keys = bucketKeys('berth/', 'proxy-a');
    const digest = sha256(randomBytes(100)) as Digest;
    // Started by a replica that is gone: no note of proxy-a names it.
    await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: keys.blob(digest) }));
    const sweeper = (now: number) => new UploadSweeper({ client: s3.client, bucket: BUCKET, keys, abandonedAfterMs: 60 * 60_000, now: () => now });
    assert.equal(await sweeper(Date.now()).sweepDead({ legacy: true }), 0, 'no note names it');
    assert.equal(await sweeper(Date.now()).sweepAbandoned(), 0, 'young: it may still be running');
    assert.deepEqual(await s3.listUploads(BUCKET), [keys.blob(digest)]);
    assert.equal(await sweeper(Date.now() + 2 * 60 * 60_000).sweepAbandoned(), 1);
    assert.deepEqual(await s3.listUploads(BUCKET), []);
  });

  it('two proxies under one host name: one restarting leaves the other\'s upload alone, and aborts a dead process\'s', async () => {
    const prefix = 'one-host/';
    const work = await tempDir('berth-one-host');
    const client = () => createS3Client({ endpoint: s3.endpoint, bucket: BUCKET, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile });
    const proxy = async (name: string) => {
      const store = new S3BlobStore({ client: await client(), bucket: BUCKET, keys: bucketKeys(prefix, 'host-1'), local: storePaths(join(work.path, name), 'host-1'), partSize: 5 * 1024 * 1024 });
      await store.init();
      return store;
    };
    const stores: S3BlobStore[] = [];
    try {
      const [a, b] = [await proxy('a'), await proxy('b')];
      stores.push(a, b);
      // A process of this host name that is gone (its PID free) left an upload and its note.
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      const deadKeys = bucketKeys(prefix, 'host-1');
      const deadDigest = sha256(randomBytes(100)) as Digest;
      const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: deadKeys.blob(deadDigest) }));
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: deadKeys.heartbeat(deadKeys.instance), Body: JSON.stringify({ ...(await thisProcess()), pid: gone }) }));
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: deadKeys.newUploadNote(), Body: JSON.stringify({ key: deadKeys.blob(deadDigest), uploadId: UploadId }) }));

      // B is mid-upload: its first 5 MiB part is in the bucket, the rest still to come.
      const bytes = randomBytes(8 * 1024 * 1024);
      const digest = sha256(bytes) as Digest;
      const writer = await b.writer(digest, bytes.length);
      await writer.write(bytes.subarray(0, 6 * 1024 * 1024));
      await waitFor(async () => (await s3.listUploads(BUCKET, prefix)).includes(b.keys.blob(digest)), { what: "B's multipart upload" });
      await waitFor(async () => (await s3.listKeys(BUCKET, `${prefix}v1/uploads/${b.keys.instance}/`)).length === 1, { what: "B's upload note" });

      // A restarts under the same host name.
      a.close();
      stores.push(await proxy('a-again'));
      assert.deepEqual(await s3.listUploads(BUCKET, prefix), [b.keys.blob(digest)], "B's upload is left alone, the dead process's aborted");
      await writer.write(bytes.subarray(6 * 1024 * 1024));
      await writer.commit();
      assert.equal(await b.stat(digest), bytes.length, "B's upload completed");
      assert.deepEqual(await s3.listKeys(BUCKET, `${prefix}v1/uploads/`), [], 'no notes left');
    } finally {
      for (const store of stores) store.close();
      await work.remove();
    }
  });
});
