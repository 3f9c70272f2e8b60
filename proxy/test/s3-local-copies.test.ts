// The S3 store's local copies of blobs (store/s3/local-copies.ts) against a real bucket: versitygw, whose access log
// counts the GETs the store sends. A blob this store downloaded, or read once, is read from its local copy (the HEAD
// still goes to the bucket), never after the bucket's object is gone, never from bytes that did not match, never half.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startRegistry, startVersitygw, tempDir, waitFor, type Registry, type S3Server } from '@berth/e2e';
import { drainStream as drain, fetchAll, filesNamed, hexOf, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { pushBlob } from './handmade.ts';
import type { Digest } from '../src/oci/digest.ts';
import { isNotStored } from '../src/store/blobstore.ts';
import { storePaths, type StorePaths } from '../src/store/paths.ts';
import { createS3Client } from '../src/store/s3/client.ts';
import { bucketKeys } from '../src/store/s3/keys.ts';
import { S3BlobStore } from '../src/store/s3/s3-store.ts';

const MB = 1_000_000;
const BUCKET = 'berth-copies';
const prefix = 'cache/';

describe('proxy: local copies of blobs kept on S3 @real', function () {
  this.timeout(300_000);
  let s3: S3Server;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let local: StorePaths;
  let store: S3BlobStore;

  /** GetObject requests the bucket has answered so far. */
  const gets = async () => (await s3.requests()).filter((r) => /GetObject/i.test(r.operation)).length;
  const heads = async () => (await s3.requests()).filter((r) => /HeadObject/i.test(r.operation)).length;
  const localFiles = async () => [
    ...await readdir(local.copiesDir), ...await readdir(local.tmpDir),
  ];

  /** Puts the blob straight into the bucket, as another replica's download would: this store has no copy of it. */
  async function put(bytes: Buffer): Promise<Digest> {
    const digest = sha256(bytes) as Digest;
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.keys.blob(digest), Body: bytes }));
    return digest;
  }

  /** Downloads the blob into the bucket through this store's writer, as a cold pull does. */
  async function download(bytes: Buffer): Promise<Digest> {
    const digest = sha256(bytes) as Digest;
    const writer = await store.writer(digest, bytes.length);
    await writer.write(bytes);
    await writer.commit();
    return digest;
  }

  async function open(localCopyBytes: number): Promise<void> {
    store?.close();
    local = storePaths(join(work.path, `local-${localCopyBytes}`), 'host-1');
    store = new S3BlobStore({
      client: await createS3Client({ endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', forcePathStyle: true, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile }),
      bucket: BUCKET, keys: bucketKeys(prefix, 'host-1'), local, partSize: 5 * 1024 * 1024, localCopyBytes,
    });
    await store.init();
  }

  before(async () => {
    s3 = await startVersitygw({ users: true });
    await s3.createBucket(BUCKET);
    work = await tempDir('berth-s3-copies');
    await open(100 * MB);
  });
  after(async () => {
    store?.close();
    await s3?.stop();
    await work?.remove();
  });

  it('reads a large blob from the bucket once: the next GET is served from the local copy, after a HEAD', async () => {
    const bytes = randomBytes(30 * MB);
    const digest = await put(bytes);
    const [get0, head0] = [await gets(), await heads()];
    const first = await drain(await store.open(digest));
    assert.equal(first.error, undefined);
    assert.equal(sha256(first.bytes), digest);
    assert.equal(await gets(), get0 + 1);
    assert.ok(store.copies.has(digest, bytes.length));

    const second = await drain(await store.open(digest));
    assert.equal(sha256(second.bytes), digest);
    const range = await drain(await store.open(digest, { start: 5, end: 1_000_004 }));
    assert.deepEqual(range.bytes, bytes.subarray(5, 1_000_005));
    assert.equal(await gets(), get0 + 1, 'no GET from the bucket for the warm reads');
    assert.equal(await heads(), head0 + 3, 'each read still asks the bucket whether the object is there');
  });

  it('keeps a blob this store downloaded as its local copy: the first read after the cold pull GETs nothing', async () => {
    const bytes = randomBytes(30 * MB);
    const digest = await download(bytes);
    assert.ok(store.copies.has(digest, bytes.length));
    assert.deepEqual(await readdir(local.tmpDir), [], 'the download\'s file was moved into place');
    const get0 = await gets();
    assert.equal(sha256((await drain(await store.open(digest))).bytes), digest);
    assert.equal(await gets(), get0, 'no GET from the bucket');
  });

  it('does not serve a local copy once the bucket\'s object is gone, and drops it', async () => {
    const bytes = randomBytes(20 * MB);
    const digest = await put(bytes);
    await drain(await store.open(digest));
    assert.ok(store.copies.has(digest, bytes.length));
    // Deleted behind this store's back (another replica's retention).
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: store.keys.blob(digest) }));
    await assert.rejects(store.open(digest), (err: unknown) => isNotStored(err));
    await store.copies.removed();
    assert.equal(store.copies.has(digest, bytes.length), false);
    assert.ok(!(await readdir(local.copiesDir)).some((name) => name.includes(digest.slice(7))));
  });

  it('the store deleting a blob (retention) removes its local copy', async () => {
    const bytes = randomBytes(20 * MB);
    const digest = await put(bytes);
    await drain(await store.open(digest));
    await store.delete(digest);
    await store.copies.removed();
    assert.ok(!(await readdir(local.copiesDir)).some((name) => name.includes(digest.slice(7))));
    await assert.rejects(store.open(digest), (err: unknown) => isNotStored(err));
  });

  it('a reader that goes away mid-way leaves no local copy, not even a temp file', async () => {
    const bytes = randomBytes(40 * MB);
    const digest = await put(bytes);
    const before = await localFiles();
    const stream = await store.open(digest);
    let seen = 0;
    for await (const chunk of stream) {
      seen += (chunk as Buffer).length;
      if (seen >= 5 * MB) break;
    }
    await finished(stream).catch(() => undefined);
    assert.ok(seen < bytes.length);
    assert.equal(store.copies.has(digest, bytes.length), false);
    assert.deepEqual(await localFiles(), before);
    // The next whole read makes the copy, from the bucket.
    const get0 = await gets();
    assert.equal(sha256((await drain(await store.open(digest))).bytes), digest);
    assert.equal(await gets(), get0 + 1);
    assert.ok(store.copies.has(digest, bytes.length));
  });

  it('an object whose bytes do not match its digest never becomes a local copy, and its reads fail', async () => {
    const bytes = randomBytes(20 * MB);
    const digest = await put(bytes);
    // Wrong bytes of the same length written straight into the bucket's files (versitygw's posix backend).
    const wrong = Buffer.from(bytes);
    wrong[wrong.length - 10] = wrong[wrong.length - 10]! ^ 0xff;
    await writeFile(join(s3.dataDir, BUCKET, store.keys.blob(digest)), wrong);
    const before = await localFiles();
    for (let i = 0; i < 2; i++) {
      const read = await drain(await store.open(digest));
      assert.match(String(read.error?.message), /does not match/);
      assert.ok(read.bytes.length < bytes.length, 'the client never gets the whole of it');
      assert.equal(store.copies.has(digest, bytes.length), false);
      assert.deepEqual(await localFiles(), before);
    }
  });

  it('keeps copies within storage.s3.localCopy, dropping the least recently used', async () => {
    await open(50 * MB);
    const [a, b, c] = [randomBytes(20 * MB), randomBytes(20 * MB), randomBytes(20 * MB)];
    const [da, db, dc] = [await put(a), await put(b), await put(c)];
    await drain(await store.open(da));
    await drain(await store.open(db));
    await drain(await store.open(da));
    await drain(await store.open(dc));
    await store.copies.removed();
    const names = await readdir(local.copiesDir);
    assert.deepEqual([da, db, dc].map((d) => names.includes(`sha256-${d.slice(7)}`)), [true, false, true]);
    const get0 = await gets();
    assert.equal(sha256((await drain(await store.open(da))).bytes), da);
    assert.equal(await gets(), get0, 'a, used more recently than b, is still local');
    assert.equal(sha256((await drain(await store.open(db))).bytes), db);
    assert.equal(await gets(), get0 + 1, 'b was dropped and read from the bucket again');
  });

  it('with localCopy 0 keeps no copies: every read is a GET from the bucket', async () => {
    await open(0);
    const bytes = randomBytes(20 * MB);
    const digest = await download(bytes);
    assert.deepEqual(await localFiles(), [], 'the download\'s file was removed');
    const get0 = await gets();
    for (let i = 0; i < 2; i++) assert.equal(sha256((await drain(await store.open(digest))).bytes), digest);
    assert.equal(await gets(), get0 + 2);
    assert.deepEqual(await readdir(local.copiesDir), []);
  });
});

describe('proxy: local copies of S3 blobs, through the proxy\'s HTTP @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let s3: S3Server;
  let cache: ProxyUnderTest;
  const getsOf = async () => (await s3.requests()).filter((r) => /GetObject/i.test(r.operation)).length;

  before(async () => {
    [upstream, s3] = await Promise.all([startRegistry(), startVersitygw({ users: true })]);
    await s3.createBucket(BUCKET);
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }], {
      s3: { endpoint: s3.endpoint, bucket: BUCKET, prefix, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
    });
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), s3?.stop()]);
  });

  it('a cold pull keeps its download as the copy: the warm GET after it GETs nothing from the bucket', async () => {
    const bytes = randomBytes(40 * MB);
    const digest = await pushBlob(upstream.url, 'library/kept', bytes);
    const url = `${cache.proxy.url}/v2/docker.io/library/kept/blobs/${digest}`;
    assert.equal(sha256((await fetchAll(url)).body!), digest);
    await waitFor(async () => (await filesNamed(cache.storage, hexOf(digest))).length === 1, { what: 'the download kept as the copy' });
    const get0 = await getsOf();
    assert.equal(sha256((await fetchAll(url)).body!), digest);
    assert.equal(await getsOf(), get0, 'served from the copy, no GET from the bucket');
  });

  it('a client that leaves mid-way leaves no copy; the next whole GET makes one, and the one after GETs nothing', async () => {
    const bytes = randomBytes(40 * MB);
    const digest = await pushBlob(upstream.url, 'library/big', bytes);
    const url = `${cache.proxy.url}/v2/docker.io/library/big/blobs/${digest}`;
    // Cold: downloaded from the upstream into the bucket. A restarted proxy starts with no copies (nothing tells
    // whether the bucket still holds their objects): the blob is then the bucket's alone.
    assert.equal(sha256((await fetchAll(url)).body!), digest);
    await cache.proxy.stop();
    cache = await cache.restart();
    const copies = () => filesNamed(cache.storage, hexOf(digest));
    assert.deepEqual(await copies(), []);
    const temps = async () => (await readdir(join(cache.storage, 'v1', 'tmp'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());

    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    assert.ok((await reader.read()).value?.length);
    assert.equal((await temps()).length, 1, 'the copy is being written');
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // The proxy sees the connection close and discards the temp file: wait for that, then look.
    await waitFor(async () => (await temps()).length === 0, { what: 'the partial copy\'s temp file removed' });
    assert.deepEqual(await copies(), []);

    assert.equal(sha256((await fetchAll(url)).body!), digest);
    assert.equal((await copies()).length, 1, 'a whole read made the copy');
    const get0 = await getsOf();
    const warm = await fetchAll(url);
    assert.equal(sha256(warm.body!), digest);
    assert.equal(await getsOf(), get0, 'served from the copy, no GET from the bucket');
  });
});
