// The buffers that blob files are read into on their way to a socket. A chunk is lent to the response and handed
// back once the socket has written it, and the next read goes into it again. Reading a warm 1 GB layer to 16 clients
// then uses a few dozen buffers in all instead of a fresh one per read: fresh buffers cost a page fault per 4 KiB
// (half the time went there) and, freed by the GC in bursts, were kept by the allocator as resident memory that
// never came down (the soak's RSS growth).
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ByteRange } from './blobstore.ts';

/** Bytes per read: large enough for few syscalls per blob, small enough that 64 clients hold ~32 MiB in flight. */
export const READ_BUFFER_BYTES = 256 * 1024;
/** Idle buffers kept for reuse (16 MiB); beyond that a buffer handed back is left to the GC. */
const MAX_IDLE = 64;

export class ReadBuffers {
  /** Every buffer this pool made, by its memory: only those are taken back. */
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private readonly idle: Buffer[] = [];
  private readonly idleMemory = new Set<ArrayBufferLike>();

  constructor(
    readonly size = READ_BUFFER_BYTES,
    private readonly maxIdle = MAX_IDLE,
  ) {}

  /** A buffer of `size` bytes that no one else uses until it is given back. */
  take(): Buffer {
    const reused = this.idle.pop();
    if (reused) {
      this.idleMemory.delete(reused.buffer);
      return reused;
    }
    // Not from Node's shared slab (allocUnsafe): the whole memory is ours to lend and reuse.
    const fresh = Buffer.allocUnsafeSlow(this.size);
    this.ours.add(fresh.buffer);
    return fresh;
  }

  /**
   * Hands back a chunk once nothing reads it any more (a socket write's callback). Chunks of other memory (an
   * upstream's, the hot-blob cache's) and chunks already given back are ignored, so a caller may give back every
   * chunk it wrote.
   */
  giveBack(chunk: Uint8Array): void {
    const memory = chunk.buffer;
    if (!this.ours.has(memory) || this.idleMemory.has(memory) || this.idle.length >= this.maxIdle) return;
    this.idle.push(Buffer.from(memory, 0, this.size));
    this.idleMemory.add(memory);
  }

  /** Buffers waiting to be reused (for tests and the stats). */
  get idleCount(): number {
    return this.idle.length;
  }
}

/** The process's pool: file reads of the store and of downloads in progress share it. */
export const readBuffers = new ReadBuffers();

/**
 * A stream of `range` of a file's bytes, read into `buffers`. Opens the file before it resolves, so a missing file
 * rejects with ENOENT instead of erroring the stream later.
 */
export async function readFileRange(path: string, range: ByteRange, buffers: ReadBuffers = readBuffers): Promise<Readable> {
  const handle = await open(path, 'r');
  let position = range.start;
  const end = range.end + 1;
  return new Readable({
    async read() {
      try {
        if (position >= end) {
          this.push(null);
          return;
        }
        const want = Math.min(buffers.size, end - position);
        const buffer = buffers.take();
        const { bytesRead } = await handle.read(buffer, 0, want, position);
        if (bytesRead === 0) throw new Error(`file ended at ${position} of ${end} bytes`);
        position += bytesRead;
        this.push(bytesRead === buffers.size ? buffer : buffer.subarray(0, bytesRead));
      } catch (err) {
        this.destroy(err as Error);
      }
    },
    destroy(err, callback) {
      handle.close().then(
        () => callback(err),
        () => callback(err),
      );
    },
  });
}
