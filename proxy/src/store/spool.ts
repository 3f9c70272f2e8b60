// A download's local temp file: every chunk is copied into a batch that the spool thread (spool-worker.ts) hashes and
// writes, a bounded number of bytes behind. Both stores write through one: the file store renames it into place, the
// S3 store uploads it. Either checks `finish`'s digest and size before anything becomes visible.
import { rm, statfs } from 'node:fs/promises';
import { digestParts, type Digest } from '../oci/digest.ts';
import { DigestMismatchError, StoreFullError, type BlobWriter } from './blobstore.ts';
import { BATCH_BYTES, spoolThread } from './spool-thread.ts';
import type { SpoolReply } from './spool-worker.ts';

/** Bytes a writer hands the thread ahead of the disk before its caller must wait: lets the download run ahead. */
const WRITE_BUFFER = 4 * 1024 * 1024;

/**
 * How long a batch the upstream fills slowly waits for more bytes before it goes to the thread anyway: short enough
 * that a reader at the front sees no pause, long enough that a fast download goes in whole batches.
 */
const PARTIAL_BATCH_MS = 2;

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
  /** Bytes taken by `write`. */
  written = 0;
  /** Bytes on disk (and hashed), from the start. */
  flushed = 0;
  onFlushed?: (flushed: number) => void;
  private failure: Error | undefined;
  /** The batch being filled, and how much of it is. */
  private batch: ArrayBuffer | undefined;
  private batchLength = 0;
  /** Bytes handed to the thread. */
  private sent = 0;
  private readonly id: number;
  /** Callers waiting for the thread to catch up (a write past the buffer), or for the digest. */
  private waiters: (() => void)[] = [];
  private digest: { resolve(hex: string): void; reject(err: Error): void } | undefined;
  private settled = false;
  private partial: NodeJS.Timeout | undefined;

  private opened: { resolve(): void; reject(err: Error): void } | undefined;

  private constructor(
    readonly path: string,
    private readonly expected: Digest,
    private readonly expectedSize: number | undefined,
  ) {
    this.id = spoolThread.open(path, digestParts(expected).algorithm, (reply) => this.onReply(reply));
  }

  /** Creates `path` (which must not exist) for the bytes of `digest`. */
  static async create(path: string, digest: Digest, expectedSize: number | undefined): Promise<SpoolFile> {
    const spool = new SpoolFile(path, digest, expectedSize);
    await new Promise<void>((resolve, reject) => (spool.opened = { resolve, reject }));
    return spool;
  }

  /**
   * Copies the chunk for the spool thread, which hashes and writes it: the caller may reuse the chunk's memory at
   * once. Waits only when the thread is WRITE_BUFFER bytes behind, which bounds the memory and slows the download
   * to the disk.
   */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.written += chunk.byteLength;
    for (let offset = 0; offset < chunk.byteLength; ) {
      this.batch ??= spoolThread.takeBatch();
      const length = Math.min(chunk.byteLength - offset, BATCH_BYTES - this.batchLength);
      new Uint8Array(this.batch, this.batchLength, length).set(chunk.subarray(offset, offset + length));
      this.batchLength += length;
      offset += length;
      if (this.batchLength === BATCH_BYTES) this.send();
    }
    // A batch the upstream fills slowly still goes out soon: readers of the download see bytes only once on disk.
    if (this.batchLength > 0) this.partial ??= setTimeout(() => this.send(), PARTIAL_BATCH_MS);
    while (this.sent - this.flushed > WRITE_BUFFER && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Hands the thread the batch being filled, and waits until every byte written so far is on disk. */
  async flush(): Promise<void> {
    this.send();
    while (this.flushed < this.sent && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  private send(): void {
    clearTimeout(this.partial);
    this.partial = undefined;
    if (this.batchLength === 0 || this.settled) return;
    const batch = this.batch!;
    const length = this.batchLength;
    this.batch = undefined;
    this.batchLength = 0;
    spoolThread.post({ op: 'write', id: this.id, batch, length, position: this.sent }, [batch]);
    this.sent += length;
  }

  private onReply(reply: SpoolReply): void {
    if ('opened' in reply) {
      this.opened?.resolve();
    } else if ('written' in reply) {
      this.flushed = reply.written;
      this.onFlushed?.(this.flushed);
    } else if ('digest' in reply) {
      this.settle();
      this.digest?.resolve(reply.digest);
    } else {
      this.failure ??= Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {});
      this.settle();
      this.opened?.reject(this.failure);
      this.digest?.reject(this.failure);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The thread is done with this file (and closed it). */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    spoolThread.close(this.id);
  }

  /**
   * Waits until every byte is on disk, then checks digest and size. Rejects with DigestMismatchError (and removes the
   * file) when they differ; with the write's error when one failed.
   */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    this.send();
    const hex = await new Promise<string>((resolve, reject) => {
      this.digest = { resolve, reject };
      spoolThread.post({ op: 'finish', id: this.id });
    });
    const actual = `${digestParts(this.expected).algorithm}:${hex}`;
    if (actual !== this.expected || (this.expectedSize !== undefined && this.expectedSize !== this.written)) {
      await this.discard();
      throw new DigestMismatchError(this.expected, `got ${actual}, ${this.written} bytes` + (this.expectedSize !== undefined ? ` of ${this.expectedSize}` : ''));
    }
  }

  async discard(): Promise<void> {
    if (!this.settled) {
      // The thread closes the file after the writes it has queued: unlinking it meanwhile is safe.
      spoolThread.post({ op: 'drop', id: this.id });
      this.failure ??= new Error('the download was discarded');
      this.settle();
      this.digest?.reject(this.failure);
    }
    clearTimeout(this.partial);
    this.batch = undefined;
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

  /** Called each time more bytes are on disk (after `onFlushed`). */
  protected afterFlush(): void {}

  abstract commit(): Promise<void>;
  abstract abort(): Promise<void>;
}
