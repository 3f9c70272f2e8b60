// One download shared by every concurrent caller. Each chunk from the upstream is handed, as it is, to the readers
// that keep up (no disk round trip, no copy), while the store's writer hashes it and puts it in the temp file.
// Readers that fall behind the bytes still held in memory read the temp file at their own pace (positional reads
// on one shared handle), so a slow or vanished client never slows or aborts the download for the others.
// A failed or mismatching download fails every reader and stores nothing.
import { EventEmitter } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BlobWriter, ByteRange } from '../store/blobstore.ts';
import { readBuffers } from '../store/read-buffers.ts';

/** Bytes already on disk kept in memory behind the front of the download, for readers a little behind it. */
const WINDOW = 4 * 1024 * 1024;

interface Held {
  start: number;
  bytes: Buffer;
}

export class Fill {
  readonly size: number | undefined;
  /** Resolves when the bytes are verified and in the store; rejects when the download fails. */
  readonly done: Promise<void>;
  private readonly events = new EventEmitter();
  private state: 'running' | 'committed' | 'failed' = 'running';
  private failure: Error | undefined;
  private readers = 0;
  private handle: FileHandle | undefined;
  /** Bytes received from the upstream so far. */
  private received = 0;
  /** The newest chunks, in order, covering [windowStart, received); everything before windowStart is on disk. */
  private held: Held[] = [];
  private windowStart = 0;

  private constructor(
    private readonly writer: BlobWriter,
    handle: FileHandle,
    size: number | undefined,
    source: AsyncIterable<Uint8Array>,
    private readonly onSettled: () => void,
  ) {
    this.handle = handle;
    this.size = size;
    this.events.setMaxListeners(0);
    writer.onFlushed = () => this.trimWindow();
    this.done = this.run(source);
    this.done.catch(() => undefined);
  }

  /** Starts copying `source` into `writer`; the returned Fill can hand out readers at once. */
  static async start(writer: BlobWriter, size: number | undefined, source: AsyncIterable<Uint8Array>, onSettled: () => void = () => undefined): Promise<Fill> {
    const handle = await open(writer.tempPath, 'r');
    return new Fill(writer, handle, size, source, onSettled);
  }

  get written(): number {
    return this.received;
  }

  private async run(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const raw of source) {
        const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        if (chunk.byteLength === 0) continue;
        this.held.push({ start: this.received, bytes: chunk });
        this.received += chunk.byteLength;
        this.events.emit('progress');
        // Waits only when the disk is several MiB behind: that bounds the memory, and slows the download to the disk.
        await this.writer.write(chunk);
      }
      if (this.size !== undefined && this.received !== this.size) {
        throw new Error(`upstream sent ${this.received} of ${this.size} bytes`);
      }
      await this.writer.commit();
      this.state = 'committed';
    } catch (err) {
      this.failure = err as Error;
      this.state = 'failed';
      await this.writer.abort().catch(() => undefined);
      if (typeof (source as { destroy?: unknown }).destroy === 'function') (source as unknown as { destroy(): void }).destroy();
    } finally {
      // All bytes are on disk (or none matter any more): readers behind go to the file, the memory is let go.
      this.held = [];
      this.windowStart = this.received;
      // Leave the in-flight map first: from here on new readers go to the store, so the handle can be released.
      this.onSettled();
      this.events.emit('progress');
      await this.releaseIfIdle();
    }
    if (this.state === 'failed') throw this.failure;
  }

  /** Drops the oldest chunks that are on disk, keeping about WINDOW bytes of them. */
  private trimWindow(): void {
    const flushed = this.writer.flushed;
    while (this.held.length > 0) {
      const first = this.held[0]!;
      const end = first.start + first.bytes.byteLength;
      if (end > flushed || this.received - end < WINDOW) break;
      this.held.shift();
      this.windowStart = end;
    }
  }

  /** The held bytes from `offset` up to `limit` (within one chunk), or undefined when offset is behind the window. */
  private fromMemory(offset: number, limit: number): Buffer | undefined {
    if (offset < this.windowStart) return undefined;
    // Readers that keep up ask for one of the last chunks: search from the end.
    for (let i = this.held.length - 1; i >= 0; i--) {
      const chunk = this.held[i]!;
      if (chunk.start > offset) continue;
      const end = Math.min(chunk.start + chunk.bytes.byteLength, limit);
      return chunk.bytes.subarray(offset - chunk.start, end - chunk.start);
    }
    return undefined;
  }

  /** A stream of the bytes, as they arrive; errors if the download fails or does not verify. */
  reader(range?: ByteRange): Readable {
    const handle = this.handle;
    if (!handle) throw new Error('fill already released');
    this.readers++;
    let offset = range?.start ?? 0;
    const end = range ? range.end + 1 : undefined;
    const waitForProgress = () => new Promise<void>((resolve) => this.events.once('progress', resolve));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.readers--;
      void this.releaseIfIdle();
    };
    const stream = new Readable({
      read: async () => {
        try {
          for (;;) {
            if (this.state === 'failed') throw this.failure ?? new Error('download failed');
            let limit = Math.min(end ?? Infinity, this.received);
            // The last byte waits for verification: a client that got Content-Length bytes would take a clean end
            // of the body as success even if the connection breaks right after (unverified bytes never look whole).
            const target = end ?? this.size;
            if (this.state !== 'committed' && target !== undefined) limit = Math.min(limit, target - 1);
            if (offset < limit) {
              const held = this.fromMemory(offset, limit);
              if (held) {
                offset += held.byteLength;
                stream.push(held);
                return;
              }
              // Behind the window, so on disk: read into a buffer lent by the pool, which the response hands back.
              const want = Math.min(readBuffers.size, limit - offset, this.windowStart - offset);
              const buffer = readBuffers.take().subarray(0, want);
              const { bytesRead } = await handle.read(buffer, 0, want, offset);
              if (bytesRead === 0) throw new Error(`download file ended at ${offset} bytes`);
              offset += bytesRead;
              stream.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
              return;
            }
            if (this.state === 'committed' || (end !== undefined && offset >= end)) {
              stream.push(null);
              return;
            }
            await waitForProgress();
          }
        } catch (err) {
          stream.destroy(err as Error);
        }
      },
      destroy: (err, callback) => {
        release();
        callback(err);
      },
    });
    stream.once('end', release);
    return stream;
  }

  private async releaseIfIdle(): Promise<void> {
    if (this.state !== 'running' && this.readers === 0 && this.handle) {
      const handle = this.handle;
      this.handle = undefined;
      await handle.close().catch(() => undefined);
    }
  }
}
