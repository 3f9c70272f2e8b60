import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { DigestMismatchError, StoreFullError } from './blobstore.ts';
import { checkRoom, SpooledWriter, SpoolFile } from './spool.ts';

const MiB = 1024 * 1024;

describe('SpoolFile', () => {
  let dir: string;
  let n = 0;
  const fresh = () => join(dir, `spool-${n++}`);
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-spool-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hashes every chunk and keeps the file when digest and size match', async () => {
    const body = randomBytes(10_000);
    const path = fresh();
    const spool = await SpoolFile.create(path, sha256Of(body), body.length);
    for (let at = 0; at < body.length; at += 3000) await spool.write(body.subarray(at, at + 3000));
    await spool.finish();
    assert.equal(spool.written, body.length);
    assert.equal(spool.flushed, body.length);
    assert.deepEqual(await readFile(path), body);
  });

  it('checks with the digest\'s own algorithm (sha512)', async () => {
    const body = randomBytes(2000);
    const digest = `sha512:${createHash('sha512').update(body).digest('hex')}` as Digest;
    const spool = await SpoolFile.create(fresh(), digest, undefined);
    await spool.write(body);
    await spool.finish();
  });

  it('rejects bytes of another digest with DigestMismatchError and removes the file', async () => {
    const path = fresh();
    const spool = await SpoolFile.create(path, sha256Of(Buffer.from('expected')), undefined);
    await spool.write(Buffer.from('corrupt!'));
    await assert.rejects(spool.finish(), (e: unknown) => e instanceof DigestMismatchError && /8 bytes$/.test(e.message));
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });

  it('rejects the right bytes at a size other than the one announced', async () => {
    const body = Buffer.from('twelve bytes');
    const path = fresh();
    const spool = await SpoolFile.create(path, sha256Of(body), body.length + 1);
    await spool.write(body);
    await assert.rejects(spool.finish(), (e: unknown) => e instanceof DigestMismatchError && /12 bytes of 13/.test(e.message));
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });

  it('never opens a file that already exists (another download\'s)', async () => {
    const path = fresh();
    await writeFile(path, 'someone else');
    await assert.rejects(SpoolFile.create(path, sha256Of(Buffer.from('x')), 1), { code: 'EEXIST' });
    assert.equal(await readFile(path, 'utf8'), 'someone else');
  });

  it('makes a writer wait for the disk past its buffer: a chunk larger than it is on disk once write resolves', async () => {
    const body = randomBytes(5 * MiB);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    await spool.write(body);
    assert.equal(spool.flushed, body.length);
    await spool.finish();
  });

  it('reports each flush in order, ending at the whole size', async () => {
    const body = randomBytes(50_000);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    const seen: number[] = [];
    spool.onFlushed = (flushed) => seen.push(flushed);
    for (let at = 0; at < body.length; at += 10_000) await spool.write(body.subarray(at, at + 10_000));
    await spool.finish();
    assert.deepEqual(seen, [10_000, 20_000, 30_000, 40_000, 50_000]);
  });

  it('has the bytes queued for the disk, from any offset past what is on disk, across chunks', async () => {
    const body = randomBytes(3 * MiB);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    // Written without waiting: the writes are still queued when read back (nothing is on disk before the loop turns).
    const queued = [0, 1, 2].map((i) => spool.write(body.subarray(i * MiB, (i + 1) * MiB)));
    assert.equal(spool.flushed, 0);
    const into = Buffer.alloc(MiB + 10);
    assert.equal(spool.readPending(MiB - 5, into), into.length);
    assert.deepEqual(into, body.subarray(MiB - 5, 2 * MiB + 5));
    assert.equal(spool.readPending(3 * MiB - 7, into), 7, 'only what was written');
    assert.deepEqual(into.subarray(0, 7), body.subarray(3 * MiB - 7));
    assert.equal(spool.readPending(3 * MiB, into), 0);
    await Promise.all(queued);
    await spool.flush();
    assert.equal(spool.flushed, body.length);
    assert.throws(() => spool.readPending(0, into), RangeError, 'bytes on disk are read from the file');
    await spool.finish();
  });

  it('discard removes the file', async () => {
    const path = fresh();
    const spool = await SpoolFile.create(path, sha256Of(Buffer.from('x')), 1);
    await spool.write(Buffer.from('x'));
    await spool.discard();
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });

  it('a SpooledWriter passes flushes on to its listener, then to its store\'s afterFlush', async () => {
    const calls: string[] = [];
    class Recording extends SpooledWriter {
      protected override afterFlush(): void {
        calls.push(`afterFlush ${this.flushed}`);
      }
      commit(): Promise<void> {
        return this.spool.finish();
      }
      abort(): Promise<void> {
        return this.spool.discard();
      }
    }
    const body = randomBytes(4000);
    const path = fresh();
    const writer = new Recording(await SpoolFile.create(path, sha256Of(body), body.length));
    writer.onFlushed = (flushed) => calls.push(`onFlushed ${flushed}`);
    assert.equal(writer.tempPath, path);
    await writer.write(body);
    await writer.commit();
    assert.equal(writer.written, body.length);
    assert.deepEqual(calls, ['onFlushed 4000', 'afterFlush 4000']);
  });
});

describe('checkRoom', () => {
  it('passes when the file system has room for the download and the reserve', async () => {
    await checkRoom(tmpdir(), 1024, 1024);
    await checkRoom(tmpdir(), undefined, 0);
  });

  it('throws StoreFullError (isStoreFull) when the download would eat into the reserve', async () => {
    const pebibyte = 2 ** 50;
    await assert.rejects(checkRoom(tmpdir(), pebibyte, 0), (e: unknown) => e instanceof StoreFullError && e.code === 'STORE_FULL' && e.message.includes(`${pebibyte} to write`));
    await assert.rejects(checkRoom(tmpdir(), undefined, pebibyte), (e: unknown) => e instanceof StoreFullError && e.message.includes('an unknown size to write'));
  });
});
