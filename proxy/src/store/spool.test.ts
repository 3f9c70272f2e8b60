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

  it('makes a writer wait for the disk past its buffer: once write resolves, at most 4 MiB are not on disk yet', async () => {
    const body = randomBytes(7 * MiB);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    await spool.write(body);
    assert.ok(spool.flushed >= body.length - 4 * MiB, `${spool.flushed} of ${body.length} on disk`);
    await spool.finish();
    assert.equal(spool.flushed, body.length);
  });

  it('reports each flush in order, ending at the whole size', async () => {
    const body = randomBytes(3 * MiB + 12_345);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    const seen: number[] = [];
    spool.onFlushed = (flushed) => seen.push(flushed);
    for (let at = 0; at < body.length; at += 100_000) await spool.write(body.subarray(at, at + 100_000));
    await spool.finish();
    assert.ok(seen.every((flushed, i) => i === 0 || flushed > seen[i - 1]!), `in order: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), body.length);
    // Whole batches, bar a slow writer's last one or two: not one flush per 100 KB write.
    assert.ok(seen.length <= 6, `${seen.length} flushes`);
    assert.deepEqual(await readFile(spool.path), body);
  });

  it('copies each chunk: the caller may reuse its memory as soon as write returns', async () => {
    const body = randomBytes(2 * MiB);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    const reused = Buffer.alloc(64 * 1024);
    for (let at = 0; at < body.length; at += reused.length) {
      body.copy(reused, 0, at, at + reused.length);
      const written = spool.write(reused);
      reused.fill(0xee);
      await written;
    }
    await spool.finish();
    assert.deepEqual(await readFile(spool.path), body);
  });

  it('hands a slowly filled batch to the disk without waiting for the rest of it', async () => {
    const body = randomBytes(200_000);
    const spool = await SpoolFile.create(fresh(), sha256Of(body), body.length);
    const flushed = new Promise<number>((resolve) => (spool.onFlushed = resolve));
    await spool.write(body.subarray(0, 1000));
    assert.equal(await flushed, 1000);
    await spool.write(body.subarray(1000));
    await spool.finish();
    assert.deepEqual(await readFile(spool.path), body);
  });

  it('refuses to create a file that exists, with the file system\'s code', async () => {
    const path = fresh();
    await writeFile(path, 'x');
    await assert.rejects(SpoolFile.create(path, sha256Of(Buffer.from('y')), 1), { code: 'EEXIST' });
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
