import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { FileBlobStore } from '../store/file-store.ts';
import { sha256Of } from '../oci/digest.ts';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { Fill, MAX_LEAD, STALL_MS } from './fill.ts';
import { readBuffers } from '../store/read-buffers.ts';
import type { BlobWriter } from '../store/blobstore.ts';

describe('Fill: one download for many readers', () => {
  let dir: string;
  let store: FileBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-fill-'));
    store = new FileBlobStore(dir);
    await store.init();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('streams to every reader as bytes arrive, then stores the verified blob', async () => {
    const body = 'hello, layer';
    const digest = sha256Of(Buffer.from(body));
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, body.length), body.length, source);
    const readers = [fill.reader(), fill.reader(), fill.reader({ start: 7, end: 11 })];
    const all = readers.map((r) => text(r));
    // A reader sees the first bytes before the download has finished.
    const firstChunk = new Promise((resolve) => readers[1]!.once('data', resolve));
    source.write('hello, ');
    assert.equal(String(await firstChunk), 'hello, ');
    source.end('layer');
    const texts = await Promise.all(all);
    assert.deepEqual(texts, [body, body, 'layer']);
    await fill.done;
    assert.equal(await store.stat(digest), body.length);
  });

  it('fails every reader and stores nothing when the bytes do not match the digest', async () => {
    const digest = sha256Of(Buffer.from('expected'));
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, 8), 8, source);
    const readers = [fill.reader(), fill.reader()];
    source.end('corrupt!');
    for (const r of readers) await assert.rejects(text(r));
    await assert.rejects(fill.done, /does not match/);
    assert.equal(await store.stat(digest), undefined);
  });

  it('the reader at the front is given the bytes queued for the disk; the others, behind it, wait for the disk', async () => {
    const body = randomBytes(600_000);
    const digest = sha256Of(body);
    const real = await store.writer(digest, body.length);
    const queued: Buffer[] = [];
    let committed = false;
    let copiedFromQueue = 0;
    // A disk that has taken nothing until the download is over: every byte before that comes from the queue.
    const stalledDisk: BlobWriter = {
      tempPath: real.tempPath,
      get written() { return real.written; },
      get flushed() { return committed ? real.flushed : 0; },
      write: (chunk) => {
        queued.push(Buffer.from(chunk));
        return real.write(chunk);
      },
      flush: () => real.flush(),
      readPending: (offset, into) => {
        const n = Buffer.concat(queued).copy(into, 0, offset);
        copiedFromQueue += n;
        return n;
      },
      commit: async () => {
        await real.commit();
        committed = true;
      },
      abort: () => real.abort(),
    };
    const source = new PassThrough();
    const fill = await Fill.start(stalledDisk, body.length, source);
    const reader = fill.reader();
    const received: Buffer[] = [];
    const first = new Promise((resolve) => reader.once('data', resolve));
    reader.on('data', (chunk: Buffer) => received.push(Buffer.from(chunk)));
    const ended = new Promise((resolve) => reader.once('end', resolve));
    source.write(body.subarray(0, 300_000));
    await first;
    assert.ok(!committed && received.length > 0, 'bytes before the download is over');
    const behind = [fill.reader(), fill.reader()].map((r) => buffer(r));
    source.end(body.subarray(300_000));
    await ended;
    assert.deepEqual(Buffer.concat(received), body);
    for (const other of await Promise.all(behind)) assert.deepEqual(other, body);
    assert.ok(copiedFromQueue <= body.length, `${copiedFromQueue} bytes copied from the queue: one reader's worth at most`);
    await fill.done;
  });

  it('holds back the last byte until the download is verified', async () => {
    const body = 'abcd';
    const digest = sha256Of(Buffer.from(body));
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, 4), 4, source);
    const reader = fill.reader();
    const received: string[] = [];
    reader.on('data', (chunk: Buffer) => received.push(String(chunk)));
    const ended = new Promise((resolve) => reader.once('end', resolve));
    // Written in full but not yet committed: the reader has everything but the last byte.
    source.write(body);
    await new Promise((resolve) => reader.once('data', resolve));
    assert.equal(received.join(''), 'abc');
    source.end();
    await ended;
    assert.equal(received.join(''), body);
  });

  it('gives out the last byte once verified, while the store still publishes, and still when publishing then fails', async () => {
    for (const outcome of ['published', 'failed'] as const) {
      const body = randomBytes(300_000);
      const digest = sha256Of(body);
      const real = await store.writer(digest, body.length);
      let finishPublishing!: () => void;
      const publishing = new Promise<void>((resolve) => (finishPublishing = resolve));
      // A store that verifies (the real writer's commit), then publishes for as long as the test says: an upload.
      const uploading: BlobWriter = {
        tempPath: real.tempPath,
        get written() { return real.written; },
        get flushed() { return real.flushed; },
        write: (chunk) => real.write(chunk),
        flush: () => real.flush(),
        readPending: (offset, into) => real.readPending(offset, into),
        commit: async () => {
          await real.commit();
          uploading.onVerified?.();
          await publishing;
          if (outcome === 'failed') throw new Error('upload failed');
        },
        abort: () => real.abort(),
      };
      const source = new PassThrough();
      const fill = await Fill.start(uploading, body.length, source);
      let settled = false;
      fill.done.then(() => (settled = true), () => (settled = true));
      const [front, lagging] = [fill.reader(), fill.reader()];
      source.end(body);
      assert.deepEqual(await buffer(front), body);
      assert.equal(settled, false, `${outcome}: the whole body came before the store had published it`);
      finishPublishing();
      if (outcome === 'failed') await assert.rejects(fill.done, /upload failed/);
      else await fill.done;
      // A reader still behind when the download settled reads the verified bytes to the end.
      assert.deepEqual(await buffer(lagging), body, outcome);
    }
  });

  it('keeps downloading when a reader goes away', async () => {
    const body = 'abcdefgh';
    const digest = sha256Of(Buffer.from(body));
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, 8), 8, source);
    const quitter = fill.reader();
    const stayer = fill.reader();
    quitter.destroy();
    source.end(body);
    assert.equal(await text(stayer), body);
    await fill.done;
    assert.equal(await store.stat(digest), 8);
  });

  it('a reader that starts far behind the download reads the right bytes from the file', async () => {
    // More than the memory window: the start of the blob is only on disk by the time the late reader comes.
    const body = randomBytes(12 * 1024 * 1024);
    const digest = sha256Of(body);
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, body.length), body.length, source);
    const early = buffer(fill.reader());
    const half = body.length / 2;
    for (let at = 0; at < half; at += 64 * 1024) source.write(body.subarray(at, at + 64 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    const late = buffer(fill.reader({ start: 1000, end: body.length - 1 }));
    source.end(body.subarray(half));
    assert.deepEqual(await early, body);
    assert.deepEqual(await late, body.subarray(1000));
    await fill.done;
  });

  it('reads the temp file into the shared read buffers, reusing those handed back', async () => {
    const body = randomBytes(2 * 1024 * 1024);
    const digest = sha256Of(body);
    const source = new PassThrough();
    const fill = await Fill.start(await store.writer(digest, body.length), body.length, source);
    const reader = fill.reader();
    source.end(body);
    await fill.done;
    // Committed before it reads: everything comes from the file, into this reader's buffers.
    const received: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    for await (const chunk of reader) {
      const c = chunk as Buffer;
      memories.add(c.buffer);
      received.push(Buffer.from(c)); // a copy: the buffer is handed back right away and read into again
      readBuffers.giveBack(c);
      readBuffers.giveBack(Buffer.alloc(c.byteLength)); // not the pool's: ignored
    }
    assert.deepEqual(Buffer.concat(received), body);
    assert.ok(memories.size <= 2, `${memories.size} buffers for ${received.length} chunks`);
  });

  describe('the download keeps pace with its fastest reader', () => {
    const CHUNK = 64 * 1024;
    /** A source holding all of `body` already, handed out in upstream-sized chunks (a stream's read() would join them). */
    function sourceOf(body: Buffer): Readable {
      const chunks: Buffer[] = [];
      for (let at = 0; at < body.length; at += CHUNK) chunks.push(body.subarray(at, at + CHUNK));
      return Readable.from(chunks);
    }
    const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it('runs no more than MAX_LEAD ahead of a reader that has not read yet, and on as it reads', async () => {
      const body = randomBytes(MAX_LEAD * 2 + CHUNK * 3);
      const digest = sha256Of(body);
      const fill = await Fill.start(await store.writer(digest, body.length), body.length, sourceOf(body));
      const reader = fill.reader();
      await settle(STALL_MS / 4);
      assert.ok(fill.written > 0 && fill.written <= MAX_LEAD + CHUNK, `${fill.written} bytes taken ahead of a reader at 0`);
      assert.deepEqual(await buffer(reader), body);
      await fill.done;
      assert.equal(await store.stat(digest), body.length);
    });

    it('runs free once no reader has moved for STALL_MS: a stalled client holds no download', async () => {
      const body = randomBytes(MAX_LEAD * 2);
      const digest = sha256Of(body);
      const fill = await Fill.start(await store.writer(digest, body.length), body.length, sourceOf(body));
      const stalled = fill.reader();
      const started = performance.now();
      await fill.done;
      assert.ok(performance.now() - started >= STALL_MS * 0.9, 'it waited for the reader first');
      assert.equal(await store.stat(digest), body.length);
      assert.deepEqual(await buffer(stalled), body);
    });
  });
});
