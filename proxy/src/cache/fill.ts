// One download shared by every concurrent caller. The upstream's chunks go to the store's writer, which hashes them
// and writes them to a temp file (store/spool.ts); every reader, the first one included, reads that file up to what
// is on disk, in the pooled read buffers, as a warm read does. So a download read by fifty clients costs this thread
// what fifty warm reads cost, plus the download itself, whatever the clients' pace: when they were handed the
// upstream's 64 KiB chunks as they came instead, fifty clients at the front of a download made fifty socket writes
// per chunk and held the download to their pace (a third slower than warm). The reader at the front alone reads past
// the disk, from the chunks still queued for it: waiting for the disk writes instead, it waited 12–81 ms of each 50 MB
// layer of a cold skopeo pull.
// The download keeps at most MAX_LEAD ahead of its fastest reader: unpaced, it took most of this thread (the
// upstream's socket gives it up to 2 MiB per event-loop turn, a reader one read), so a client got its bytes at a
// third of its pace until the download was over (skopeo: 12 of 50 MB by then). A reader that makes no progress for
// STALL_MS lets the download run free to the end: a stalled or slow client never holds it for the others, who are
// then ahead of it anyway. A failed or mismatching download fails every reader and stores nothing. On object storage
// the last byte goes out once the digest is verified (the writer's onVerified), not once the upload is complete: its
// last part and completion come after the download, and every cold pull on S3 waited for them (the 200 MB image:
// 2.24–3.00 s cold, 1.75–2.03 s since); a blob that verified but could not be stored is still served whole. On a
// volume, publishing is a rename, and the readers end once the blob is stored.
import { EventEmitter } from 'node:events';
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BlobWriter, ByteRange } from '../store/blobstore.ts';
import { readBuffers } from '../store/read-buffers.ts';

/** Longest a reader at the front waits to be told of less than a read's worth of new bytes. */
const ANNOUNCE_AFTER_MS = 2;
/** How far the download may run ahead of its fastest reader; more than the writer buffers before the disk. */
export const MAX_LEAD = 8 * 1024 * 1024;
/** A download that waited this long for its readers without any of them advancing runs free from then on. */
export const STALL_MS = 1_000;

export class Fill {
  readonly size: number | undefined;
  /** Resolves when the bytes are verified and in the store; rejects when the download fails. */
  readonly done: Promise<void>;
  private readonly events = new EventEmitter();
  private state: 'running' | 'committed' | 'failed' = 'running';
  /** Digest and size checked (told by a store whose publishing takes long): the last byte may go out before it. */
  private verified = false;
  private failure: Error | undefined;
  private readers = 0;
  private handle: FileHandle | undefined;
  /** Bytes received and bytes on disk when the readers were last woken, and the timer that wakes them for less. */
  private announced = { written: 0, flushed: 0 };
  private announceTimer: NodeJS.Timeout | undefined;
  /** The furthest byte any reader has been handed, and whether the download still keeps pace with it. */
  private front = 0;
  private paced = true;

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
    writer.onFlushed = () => this.progressed();
    writer.onVerified = () => {
      this.verified = true;
      this.announce();
    };
    this.done = this.run(source);
    this.done.catch(() => undefined);
  }

  /** Starts copying `source` into `writer`; the returned Fill can hand out readers at once. */
  static async start(writer: BlobWriter, size: number | undefined, source: AsyncIterable<Uint8Array>, onSettled: () => void = () => undefined): Promise<Fill> {
    const handle = await open(writer.tempPath, 'r');
    return new Fill(writer, handle, size, source, onSettled);
  }

  /**
   * Wakes the readers when a read's worth (one pooled read buffer) more has come or reached the disk, or soon after
   * smaller progress: the upstream's chunks are 64 KiB, and fifty readers woken for each would each make a small read
   * and a small socket write per chunk.
   */
  private progressed(): void {
    const { written, flushed } = this.writer;
    if (written - this.announced.written >= readBuffers.size || flushed - this.announced.flushed >= readBuffers.size) return this.announce();
    this.announceTimer ??= setTimeout(() => this.announce(), ANNOUNCE_AFTER_MS);
  }

  private announce(): void {
    clearTimeout(this.announceTimer);
    this.announceTimer = undefined;
    this.announced = { written: this.writer.written, flushed: this.writer.flushed };
    this.events.emit('progress');
  }

  /** Bytes received from the upstream so far (all handed to the writer). */
  get written(): number {
    return this.writer.written;
  }

  private async run(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of source) {
        if (chunk.byteLength === 0) continue;
        while (this.paced && this.readers > 0 && this.writer.written - this.front > MAX_LEAD) await this.readersCatchUp();
        // Waits only when the disk is several MiB behind: that bounds the memory, and slows the download to the disk.
        const queued = this.writer.write(chunk);
        this.progressed();
        await queued;
      }
      if (this.size !== undefined && this.written !== this.size) {
        throw new Error(`upstream sent ${this.written} of ${this.size} bytes`);
      }
      await this.writer.commit();
      this.state = 'committed';
    } catch (err) {
      // What came before the upstream broke goes to the readers first: one who has the headers sees a broken body
      // (a partial blob never looks whole: the last byte is never served unverified), one who came too early for
      // any byte gets a status.
      await this.writer.flush().catch(() => undefined);
      this.failure = err as Error;
      this.state = 'failed';
      await this.writer.abort().catch(() => undefined);
      if (typeof (source as { destroy?: unknown }).destroy === 'function') (source as unknown as { destroy(): void }).destroy();
    } finally {
      // Leave the in-flight map first: from here on new readers go to the store, so the handle can be released.
      this.onSettled();
      this.announce();
      await this.releaseIfIdle();
    }
    if (this.state === 'failed') throw this.failure;
  }

  /** Waits until a reader moves the front on, or until STALL_MS pass without that: the download then runs free. */
  private async readersCatchUp(): Promise<void> {
    const advanced = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.events.off('front', onFront);
        resolve(false);
      }, STALL_MS);
      const onFront = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.events.once('front', onFront);
    });
    if (!advanced) this.paced = false;
  }

  /** A reader was handed bytes up to `offset`. */
  private handedTo(offset: number): void {
    if (offset <= this.front) return;
    this.front = offset;
    this.events.emit('front');
  }

  /** A stream of the bytes, as they reach the disk; errors if the download fails or does not verify. */
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
            // Verified bytes stay good to read from the open file even if publishing them failed.
            const whole = this.verified || this.state === 'committed';
            if (this.state === 'failed' && !whole) throw this.failure ?? new Error('download failed');
            // Past the disk only the reader at the front reads, from the writer's queue: the others wait for the
            // disk and read it through the thread pool, so fifty readers on one download make one copy of each byte
            // on this thread, not fifty (50 clients of a cold 1 GB layer: 0.94–0.97× their warm time, 0.98–1.04×
            // with every reader on the queue).
            const flushed = this.writer.flushed;
            const atFront = offset >= this.front;
            let limit = Math.min(end ?? Infinity, atFront ? this.writer.written : flushed);
            // The last byte waits for verification: a client that got Content-Length bytes would take a clean end
            // of the body as success even if the connection breaks right after (unverified bytes never look whole).
            const target = end ?? this.size;
            if (!whole && target !== undefined) limit = Math.min(limit, target - 1);
            if (offset < limit) {
              // Into a buffer lent by the pool, which the response hands back: from the disk what is there, else from
              // the writer's queue.
              const want = Math.min(readBuffers.size, limit - offset, offset < flushed ? flushed - offset : Infinity);
              const buffer = readBuffers.take().subarray(0, want);
              // The reader at the front reads bytes written moments ago, which are in the page cache: synchronously,
              // as a wait for the thread pool is a wait behind the download's work on this thread (half its time).
              const bytesRead = offset >= flushed ? this.writer.readPending(offset, buffer)
                : atFront ? readSync(handle.fd, buffer, 0, want, offset)
                  : (await handle.read(buffer, 0, want, offset)).bytesRead;
              if (bytesRead === 0) throw new Error(`download file ended at ${offset} bytes`);
              offset += bytesRead;
              this.handedTo(offset);
              stream.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
              return;
            }
            if (whole || (end !== undefined && offset >= end)) {
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
