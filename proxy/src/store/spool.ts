// A download's local temp file: every chunk is hashed as it arrives and written behind a bounded buffer. Both
// stores write through one: the file store renames it into place, the S3 store uploads it. Either checks `finish`'s
// digest and size before anything becomes visible.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm, statfs } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import { digestParts, hasherFor, type Digest } from '../oci/digest.ts';
import { DigestMismatchError, StoreFullError, type BlobWriter } from './blobstore.ts';

/** Bytes a writer takes before its caller must wait for the disk: lets the download run ahead of the writes. */
const WRITE_BUFFER = 4 * 1024 * 1024;

/**
 * Room a download leaves free on the local file system by default: the embedded index (sqlite) lives there too and
 * must still be able to write its tags and records, or every pull would fail, not just the caching of one more blob.
 */
export const MIN_FREE_BYTES = 16 * 1024 * 1024;

/**
 * Throws StoreFullError unless `dir`'s file system has room for `expectedSize` bytes and `minFreeBytes` more.
 * Checked before a download, so that the caller can still serve the bytes uncached. Concurrent downloads may still
 * fill the disk between them: their writes then fail with ENOSPC (isStoreFull), and the download fails.
 */
export async function checkRoom(dir: string, expectedSize: number | undefined, minFreeBytes: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free - (expectedSize ?? 0) < minFreeBytes) {
    throw new StoreFullError(`${free} bytes free, ${expectedSize ?? 'an unknown size'} to write, ${minFreeBytes} kept free`);
  }
}

export class SpoolFile {
  written = 0;
  flushed = 0;
  onFlushed?: (flushed: number) => void;
  private failure: Error | undefined;
  private readonly hash: Hash;
  /** The chunks queued for the disk, oldest first: bytes `flushed` to `written`. */
  private readonly pending: Uint8Array[] = [];

  private constructor(
    readonly path: string,
    private readonly out: WriteStream,
    private readonly digest: Digest,
    private readonly expectedSize: number | undefined,
  ) {
    this.hash = hasherFor(digest);
    // A failed write surfaces on the next write or on finish; keep the stream from throwing it unhandled.
    out.on('error', (err) => (this.failure ??= err));
  }

  /** Creates `path` (which must not exist) for the bytes of `digest`. */
  static async create(path: string, digest: Digest, expectedSize: number | undefined): Promise<SpoolFile> {
    const out = createWriteStream(path, { flags: 'wx', highWaterMark: WRITE_BUFFER });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    return new SpoolFile(path, out, digest, expectedSize);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    this.written += chunk.byteLength;
    const size = chunk.byteLength;
    this.pending.push(chunk);
    const more = this.out.write(chunk, (err) => {
      if (err) return;
      // Writes complete in order: this chunk is the oldest still pending.
      this.pending.shift();
      this.flushed += size;
      this.onFlushed?.(this.flushed);
    });
    if (!more) await this.drained();
  }

  /**
   * Copies bytes from `offset` (at least `flushed`) that are still queued for the disk into `into`, as many as it
   * holds up to `written`; returns how many.
   */
  readPending(offset: number, into: Uint8Array): number {
    if (offset < this.flushed) throw new RangeError(`offset ${offset} is on disk already (${this.flushed} bytes)`);
    let start = this.flushed;
    let copied = 0;
    for (const chunk of this.pending) {
      const end = start + chunk.byteLength;
      if (end > offset + copied) {
        const from = offset + copied - start;
        const n = Math.min(chunk.byteLength - from, into.byteLength - copied);
        into.set(chunk.subarray(from, from + n), copied);
        copied += n;
        if (copied === into.byteLength) break;
      }
      start = end;
    }
    return copied;
  }

  /** Resolves once every byte written so far is on disk; rejects when a write failed. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    // Writes complete in order: once this empty one's callback comes, every byte before it is on disk.
    await new Promise<void>((resolve, reject) => this.out.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
    if (this.failure) throw this.failure;
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
    });
  }

  /**
   * Closes the file once every byte is on disk, then checks digest and size. Rejects with DigestMismatchError (and
   * removes the file) when they differ; with the write's error when one failed.
   */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.failure) throw this.failure;
    const actual = `${digestParts(this.digest).algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.digest || (this.expectedSize !== undefined && this.expectedSize !== this.written)) {
      await this.discard();
      throw new DigestMismatchError(this.digest, `got ${actual}, ${this.written} bytes` + (this.expectedSize !== undefined ? ` of ${this.expectedSize}` : ''));
    }
  }

  async discard(): Promise<void> {
    this.out.destroy();
    await rm(this.path, { force: true });
  }
}

/** A BlobWriter over a SpoolFile: what both stores share; each says how verified bytes are published. */
export abstract class SpooledWriter implements BlobWriter {
  onFlushed?: (flushed: number) => void;

  constructor(protected readonly spool: SpoolFile) {
    spool.onFlushed = (flushed) => {
      this.onFlushed?.(flushed);
      this.afterFlush();
    };
  }

  get tempPath(): string {
    return this.spool.path;
  }
  get written(): number {
    return this.spool.written;
  }
  get flushed(): number {
    return this.spool.flushed;
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.spool.write(chunk);
  }

  flush(): Promise<void> {
    return this.spool.flush();
  }

  readPending(offset: number, into: Uint8Array): number {
    return this.spool.readPending(offset, into);
  }

  /** Called each time more bytes are on disk (after `onFlushed`). */
  protected afterFlush(): void {}

  abstract commit(): Promise<void>;
  abstract abort(): Promise<void>;
}
