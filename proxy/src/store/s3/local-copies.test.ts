import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Digest } from '../../oci/digest.ts';
import { storePaths, type StorePaths } from '../paths.ts';
import { LocalCopies } from './local-copies.ts';
import { drainStream as drain } from '../../../test/fixture.ts';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
/** A body in chunks of 1,000 bytes, as a bucket's answer comes in pieces. */
const bodyOf = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000)));

describe('LocalCopies', () => {
  let dir: string;
  let paths: StorePaths;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-local-copies-'));
    paths = storePaths(dir, 'host-1');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function make(budget: number): Promise<LocalCopies> {
    const copies = new LocalCopies(paths, budget);
    await copies.init();
    await rm(paths.tmpDir, { recursive: true, force: true });
    await mkdir(paths.tmpDir, { recursive: true });
    return copies;
  }

  async function copy(copies: LocalCopies, bytes: Buffer): Promise<Digest> {
    const digest = digestOf(bytes);
    const out = await drain(await copies.tee(digest, bytes.length, bodyOf(bytes)));
    assert.equal(out.error, undefined);
    assert.ok(out.bytes.equals(bytes));
    return digest;
  }

  it('publishes a copy once the whole object arrived and matched, and serves it whole and in ranges', async () => {
    const copies = await make(1_000_000);
    const bytes = randomBytes(10_500);
    const digest = await copy(copies, bytes);
    assert.ok(copies.has(digest, bytes.length));
    assert.equal(copies.bytes, bytes.length);
    assert.ok((await readFile(paths.copy(digest))).equals(bytes));
    assert.deepEqual(await readdir(paths.tmpDir), [], 'no temp file is left');
    assert.ok((await drain((await copies.open(digest, bytes.length))!)).bytes.equals(bytes));
    const range = await drain((await copies.open(digest, bytes.length, { start: 100, end: 4099 }))!);
    assert.ok(range.bytes.equals(bytes.subarray(100, 4100)));
    // A HEAD that tells another size: the copy is not served, and dropped.
    assert.equal(await copies.open(digest, bytes.length + 1), undefined);
    assert.equal(copies.has(digest, bytes.length), false);
  });

  it('never publishes bytes that do not match, and fails the stream before its last chunk', async () => {
    const copies = await make(1_000_000);
    const bytes = randomBytes(5_000);
    const digest = digestOf(bytes);
    const wrong = Buffer.from(bytes);
    wrong[4_500] = wrong[4_500]! ^ 0xff;
    const out = await drain(await copies.tee(digest, bytes.length, bodyOf(wrong)));
    assert.match(String(out.error?.message), /does not match/);
    assert.equal(out.bytes.length, 4_000, 'the last chunk is held back');
    assert.equal(copies.has(digest, bytes.length), false);
    assert.deepEqual(await readdir(paths.copiesDir), []);
    assert.deepEqual(await readdir(paths.tmpDir), []);
  });

  it('removes the temp file when the reader goes away mid-way, and publishes nothing', async () => {
    const copies = await make(1_000_000);
    const bytes = randomBytes(50_000);
    const digest = digestOf(bytes);
    const stream = await copies.tee(digest, bytes.length, bodyOf(bytes));
    let seen = 0;
    for await (const chunk of stream) {
      seen += (chunk as Buffer).length;
      if (seen >= 10_000) break;
    }
    // The temp file is removed in the stream's destroy, before it emits 'close'.
    await finished(stream).catch(() => undefined);
    assert.deepEqual(await readdir(paths.tmpDir), []);
    assert.deepEqual(await readdir(paths.copiesDir), []);
    assert.equal(copies.has(digest, bytes.length), false);
    // The next whole read makes the copy.
    await copy(copies, bytes);
    assert.ok(copies.has(digest, bytes.length));
  });

  it('makes one copy for concurrent first reads: the second just passes the body through', async () => {
    const copies = await make(1_000_000);
    const bytes = randomBytes(3_000);
    const digest = digestOf(bytes);
    const body = bodyOf(bytes);
    const first = await copies.tee(digest, bytes.length, bodyOf(bytes));
    assert.equal(await copies.tee(digest, bytes.length, body), body);
    assert.ok((await drain(first)).bytes.equals(bytes));
    assert.ok(copies.has(digest, bytes.length));
  });

  it('keeps copies within the budget, dropping the least recently used one and its file', async () => {
    const copies = await make(25_000);
    const [a, b, c] = [randomBytes(10_000), randomBytes(10_000), randomBytes(10_000)];
    const da = await copy(copies, a);
    const db = await copy(copies, b);
    assert.ok(copies.has(da, a.length), 'a was used after b');
    const dc = await copy(copies, c);
    assert.equal(copies.has(db, b.length), false);
    assert.ok(copies.has(da, a.length));
    assert.ok(copies.has(dc, c.length));
    assert.equal(copies.bytes, 20_000);
    await copies.removed();
    assert.deepEqual((await readdir(paths.copiesDir)).sort(), [paths.copy(da), paths.copy(dc)].map((p) => p.slice(paths.copiesDir.length + 1)).sort());
  });

  it('copies nothing larger than the budget, nor anything with a budget of 0', async () => {
    for (const budget of [0, 1_000]) {
      const copies = await make(budget);
      const bytes = randomBytes(2_000);
      const body = bodyOf(bytes);
      assert.equal(await copies.tee(digestOf(bytes), bytes.length, body), body);
    }
  });

  it('does not publish a copy whose blob was deleted while it was made, and deletes a published one', async () => {
    const copies = await make(1_000_000);
    const bytes = randomBytes(5_000);
    const digest = digestOf(bytes);
    const stream = await copies.tee(digest, bytes.length, bodyOf(bytes));
    copies.delete(digest);
    assert.ok((await drain(stream)).bytes.equals(bytes));
    assert.equal(copies.has(digest, bytes.length), false);
    assert.deepEqual(await readdir(paths.copiesDir), []);
    await copy(copies, bytes);
    copies.delete(digest);
    await copies.removed();
    assert.equal(copies.has(digest, bytes.length), false);
    assert.deepEqual(await readdir(paths.copiesDir), []);
  });

  it('passes the bytes on uncopied when no temp file can be made', async () => {
    const copies = new LocalCopies({ ...paths, newTemp: () => join(dir, 'missing', 'temp') }, 1_000_000);
    await copies.init();
    const bytes = randomBytes(3_000);
    const out = await drain(await copies.tee(digestOf(bytes), bytes.length, bodyOf(bytes)));
    assert.ok(out.bytes.equals(bytes));
    assert.equal(copies.has(digestOf(bytes), bytes.length), false);
  });

  it('adopts a download\'s verified file as the copy, moving it; refuses one over the budget or already held', async () => {
    const copies = await make(10_000);
    const bytes = randomBytes(6_000);
    const digest = digestOf(bytes);
    const spool = paths.newTemp();
    await writeFile(spool, bytes);
    assert.equal(await copies.adopt(digest, bytes.length, spool), true);
    assert.ok(copies.has(digest, bytes.length));
    assert.ok((await drain((await copies.open(digest, bytes.length))!)).bytes.equals(bytes));
    assert.deepEqual(await readdir(paths.tmpDir), [], 'the file was moved, not copied');

    const again = paths.newTemp();
    await writeFile(again, bytes);
    assert.equal(await copies.adopt(digest, bytes.length, again), false, 'a copy is held already');
    const big = randomBytes(12_000);
    const bigFile = paths.newTemp();
    await writeFile(bigFile, big);
    assert.equal(await copies.adopt(digestOf(big), big.length, bigFile), false, 'over the budget');
    assert.equal(copies.has(digestOf(big), big.length), false);
    assert.deepEqual((await readdir(paths.tmpDir)).length, 2, 'a refused file stays for its owner to remove');
  });
});
