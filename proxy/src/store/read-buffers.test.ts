import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadBuffers, readFileRange } from './read-buffers.ts';

describe('read buffers', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-read-buffers-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('lends a buffer again only once it is handed back, and ignores foreign or repeated hand-backs', () => {
    const pool = new ReadBuffers(1024, 2);
    const a = pool.take();
    const b = pool.take();
    assert.notEqual(a.buffer, b.buffer);
    pool.giveBack(Buffer.alloc(1024)); // not the pool's
    assert.equal(pool.idleCount, 0);
    pool.giveBack(a.subarray(0, 10)); // a short last chunk still returns the whole buffer
    pool.giveBack(a);
    assert.equal(pool.idleCount, 1);
    const again = pool.take();
    assert.equal(again.buffer, a.buffer);
    assert.equal(again.byteLength, 1024);
  });

  it('keeps at most maxIdle buffers', () => {
    const pool = new ReadBuffers(64, 2);
    const taken = [pool.take(), pool.take(), pool.take()];
    for (const t of taken) pool.giveBack(t);
    assert.equal(pool.idleCount, 2);
  });

  it('streams a range of a file in pool-sized chunks, reusing the buffers handed back', async () => {
    const bytes = randomBytes(10_000);
    const file = join(dir, 'blob');
    await writeFile(file, bytes);
    const pool = new ReadBuffers(1000, 4);
    const stream = await readFileRange(file, { start: 1500, end: 8499 }, pool);
    const received: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      assert.ok(c.byteLength <= 1000);
      memories.add(c.buffer);
      received.push(Buffer.from(c));
      pool.giveBack(c);
    }
    assert.deepEqual(Buffer.concat(received), bytes.subarray(1500, 8500));
    assert.ok(memories.size <= 2, `${memories.size} buffers for ${received.length} chunks`);
  });

  it('rejects with ENOENT for a missing file', async () => {
    await assert.rejects(readFileRange(join(dir, 'missing'), { start: 0, end: 0 }), { code: 'ENOENT' });
  });

  it('errors the stream when the file is shorter than the range', async () => {
    const file = join(dir, 'short');
    await writeFile(file, randomBytes(100));
    const stream = await readFileRange(file, { start: 0, end: 199 }, new ReadBuffers(64, 2));
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    }, /file ended at 100 of 200 bytes/);
  });
});
