import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { sha256Of } from '../oci/digest.ts';
import { FileBlobStore } from './file-store.ts';

describe('FileBlobStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-blobstore-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function storeWith(body: Buffer, opts: ConstructorParameters<typeof FileBlobStore>[1] = {}) {
    const store = new FileBlobStore(dir, opts);
    await store.init();
    const digest = sha256Of(body);
    const writer = await store.writer(digest, body.length);
    // Several chunks, the writer's flushed count catches up with what it was given by commit.
    for (let at = 0; at < body.length; at += 1000) await writer.write(body.subarray(at, at + 1000));
    assert.equal(writer.written, body.length);
    await writer.commit();
    assert.equal(writer.flushed, body.length);
    return { store, digest };
  }

  for (const [name, opts] of [['from memory', {}], ['from the file', { hotBytes: 0 }]] as const) {
    it(`serves whole blobs and ranges ${name}`, async () => {
      const body = randomBytes(10_000);
      const { store, digest } = await storeWith(body, opts);
      assert.deepEqual(await buffer(await store.open(digest)), body);
      assert.deepEqual(await buffer(await store.open(digest)), body);
      assert.deepEqual(await buffer(await store.open(digest, { start: 100, end: 199 })), body.subarray(100, 200));
    });
  }

  it('does not serve from memory a blob whose file is gone', async () => {
    const body = randomBytes(5_000);
    const { store, digest } = await storeWith(body);
    await buffer(await store.open(digest));
    await unlink(store.paths.blob(digest));
    await assert.rejects(store.open(digest), { code: 'ENOENT' });
  });

  it('forgets a deleted blob, in memory too', async () => {
    const body = randomBytes(5_000);
    const { store, digest } = await storeWith(body);
    await buffer(await store.open(digest));
    await store.delete(digest);
    await assert.rejects(store.open(digest), { code: 'ENOENT' });
    assert.equal(await store.stat(digest), undefined);
  });

  it('rejects bytes that do not match and leaves no file behind', async () => {
    const store = new FileBlobStore(dir);
    await store.init();
    const digest = sha256Of(Buffer.from('expected'));
    const writer = await store.writer(digest, 8);
    await writer.write(Buffer.from('corrupt!'));
    await assert.rejects(writer.commit(), /does not match/);
    assert.equal(await store.stat(digest), undefined);
    assert.deepEqual(await readdir(store.paths.tmpDir), []);
  });

  it('at start, empties its own temp folder and keeps the downloads of other replicas sharing the store', async () => {
    const a = new FileBlobStore(dir, { replica: 'proxy-a' });
    await a.init();
    const digest = sha256Of(Buffer.from('in progress'));
    const downloading = await a.writer(digest, 11);
    await downloading.write(Buffer.from('in pro'));
    // A replica gone for over an hour left a folder behind; replica b restarts twice.
    const gone = join(a.paths.tmpRoot, 'proxy-gone');
    await mkdir(gone);
    await writeFile(join(gone, 'partial'), 'x');
    const hourAgo = new Date(Date.now() - 61 * 60_000);
    await utimes(gone, hourAgo, hourAgo);
    const b = new FileBlobStore(dir, { replica: 'proxy-b' });
    await b.init();
    await writeFile(join(b.paths.tmpDir, 'left-by-crash'), 'x');
    await b.init();
    assert.deepEqual(await readdir(b.paths.tmpDir), []);
    assert.deepEqual((await readdir(a.paths.tmpRoot)).sort(), ['proxy-a', 'proxy-b']);
    await downloading.write(Buffer.from('gress'));
    await downloading.commit();
    assert.equal(await a.stat(digest), 11);
  });

  it('refuses a replica name that is not a single plain path segment', () => {
    assert.throws(() => new FileBlobStore(dir, { replica: '../elsewhere' }), /not a plain file name/);
  });
});
