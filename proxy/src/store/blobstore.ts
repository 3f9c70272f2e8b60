// The content-addressed store on disk: bytes are written to a temp file, hashed as they arrive, and renamed into
// place only when digest and size match. Files under blobs/ are therefore always verified content.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, statfs, unlink, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Hash } from 'node:crypto';
import { hasherFor, type Digest } from '../oci/digest.ts';
import { storePaths, type StorePaths } from './paths.ts';
import { HotBlobs, type HotBlobsOptions } from './hotblobs.ts';

const READ_CHUNK = 1024 * 1024;
/** Bytes a writer takes before its caller must wait for the disk: lets the download run ahead of the writes. */
const WRITE_BUFFER = 4 * 1024 * 1024;

export class DigestMismatchError extends Error {
  readonly code = 'DIGEST_MISMATCH';
  constructor(expected: Digest, detail: string) {
    super(`content for ${expected} does not match: ${detail}`);
    this.name = 'DigestMismatchError';
  }
}

/**
 * The store has no room for a download: its file system is full, or would be with it. Serving the bytes without
 * caching them is then still possible; the message carries no path.
 */
export class StoreFullError extends Error {
  readonly code = 'STORE_FULL';
  constructor(detail: string) {
    super(`the store is full (ENOSPC): ${detail}`);
    this.name = 'StoreFullError';
  }
}

/** True for a full store: StoreFullError, or a write that failed with ENOSPC or EDQUOT. */
export function isStoreFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof StoreFullError || code === 'ENOSPC' || code === 'EDQUOT';
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/** A download into the store; `commit` verifies and publishes it, `abort` removes it. */
export interface BlobWriter {
  readonly tempPath: string;
  /** Bytes handed to `write` (hashed, maybe not yet on disk). */
  readonly written: number;
  /** Bytes on disk in the temp file: what a positional read of `tempPath` may ask for. */
  readonly flushed: number;
  /**
   * Hashes the chunk and queues it for the disk. Resolves once the writer can take more (the chunk may still be
   * queued: watch `flushed` or `onFlushed`); rejects when a write failed. The caller must not change the chunk after.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Called (in order) each time bytes reach the disk. */
  onFlushed?: (flushed: number) => void;
  /** Rejects with DigestMismatchError (and removes the temp file) when digest or size differ. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface BlobStore {
  /** Size in bytes, or undefined when the blob is not stored. */
  stat(digest: Digest): Promise<number | undefined>;
  /** A stream of stored bytes; rejects with ENOENT when the blob is not stored. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
  read(digest: Digest): Promise<Buffer>;
  /** Rejects with StoreFullError when the store has no room for `expectedSize` bytes (or none at all). */
  writer(digest: Digest, expectedSize?: number): Promise<BlobWriter>;
  delete(digest: Digest): Promise<void>;
}

export interface FileBlobStoreOptions extends HotBlobsOptions {
  /** This process's name among the replicas sharing the store; default: the host name (the pod's name). */
  replica?: string;
  /** Free bytes a download must leave on the store's file system; default MIN_FREE_BYTES. */
  minFreeBytes?: number;
}

/**
 * Room left free by downloads: the index (sqlite, on the same volume) must still be able to write its tags and
 * records, or every pull would fail, not just the caching of one more blob.
 */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

/** Another replica's temp folder untouched this long belongs to a replica that is gone. */
const ABANDONED_TEMP_MS = 60 * 60_000;

export class FileBlobStore implements BlobStore {
  readonly paths: StorePaths;
  private readonly hot: HotBlobs;
  private readonly minFreeBytes: number;

  constructor(root: string, opts: FileBlobStoreOptions = {}) {
    this.paths = storePaths(root, opts.replica ?? hostname());
    this.hot = new HotBlobs(opts);
    this.minFreeBytes = opts.minFreeBytes ?? MIN_FREE_BYTES;
  }

  /**
   * Creates the layout and removes downloads this replica left half-done. Other replicas sharing the store keep
   * theirs, unless their folder has been idle for an hour (a replica that is gone).
   */
  async init(): Promise<void> {
    await rm(this.paths.tmpDir, { recursive: true, force: true });
    await mkdir(this.paths.tmpDir, { recursive: true });
    for (const other of await readdir(this.paths.tmpRoot)) {
      const dir = join(this.paths.tmpRoot, other);
      if (dir === this.paths.tmpDir) continue;
      const idle = await stat(dir).then((s) => Date.now() - s.mtimeMs > ABANDONED_TEMP_MS, () => false);
      if (idle) await rm(dir, { recursive: true, force: true });
    }
    await mkdir(this.paths.blobsDir, { recursive: true });
  }

  async stat(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.paths.blob(digest))).size;
    } catch {
      return undefined;
    }
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    const path = this.paths.blob(digest);
    // Small blobs are served from memory: a warm GET is then one socket write of a shared buffer, with no file
    // reads, no per-chunk buffers and no garbage. The file is still looked at, so a blob removed from disk behind
    // our back is not served (and ENOENT still tells the caller to fetch it again).
    const size = (await stat(path)).size;
    const bytes = await this.hot.get(digest, size, () => readFile(path));
    if (bytes) {
      const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
      return new Readable({
        read() {
          this.push(body);
          this.push(null);
        },
      });
    }
    // Large reads: far fewer syscalls and event-loop turns per warm blob than the 64 KiB default.
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK, ...(range ? { start: range.start, end: range.end } : {}) });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  read(digest: Digest): Promise<Buffer> {
    return readFile(this.paths.blob(digest));
  }

  async writer(digest: Digest, expectedSize?: number): Promise<BlobWriter> {
    // Checked before the download, so that the caller can still serve the bytes uncached. Concurrent downloads may
    // still fill the disk between them: their writes then fail with ENOSPC (isStoreFull), and the download fails.
    const fs = await statfs(this.paths.tmpDir);
    const free = fs.bavail * fs.bsize;
    if (free - (expectedSize ?? 0) < this.minFreeBytes) {
      throw new StoreFullError(`${free} bytes free, ${expectedSize ?? 'an unknown size'} to write, ${this.minFreeBytes} kept free`);
    }
    const tempPath = this.paths.newTemp();
    const out = createWriteStream(tempPath, { flags: 'wx', highWaterMark: WRITE_BUFFER });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    return new FileBlobWriter(tempPath, this.paths.blob(digest), out, hasherFor(digest), digest, expectedSize);
  }

  async delete(digest: Digest): Promise<void> {
    this.hot.delete(digest);
    await unlink(this.paths.blob(digest)).catch(() => undefined);
  }
}

class FileBlobWriter implements BlobWriter {
  written = 0;
  flushed = 0;
  onFlushed?: (flushed: number) => void;
  private failure: Error | undefined;

  constructor(
    readonly tempPath: string,
    private readonly finalPath: string,
    private readonly out: WriteStream,
    private readonly hash: Hash,
    private readonly digest: Digest,
    private readonly expectedSize: number | undefined,
  ) {
    // A failed write surfaces on the next write or on commit; keep the stream from throwing it unhandled.
    out.on('error', (err) => (this.failure ??= err));
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    this.hash.update(chunk);
    this.written += chunk.byteLength;
    const size = chunk.byteLength;
    const more = this.out.write(chunk, (err) => {
      if (err) return;
      this.flushed += size;
      this.onFlushed?.(this.flushed);
    });
    if (!more) await this.drained();
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

  async commit(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (this.failure) throw this.failure;
    const actual = `${this.digest.split(':')[0]}:${this.hash.digest('hex')}`;
    if (actual !== this.digest || (this.expectedSize !== undefined && this.expectedSize !== this.written)) {
      await rm(this.tempPath, { force: true });
      throw new DigestMismatchError(this.digest, `got ${actual}, ${this.written} bytes` + (this.expectedSize !== undefined ? ` of ${this.expectedSize}` : ''));
    }
    await mkdir(dirname(this.finalPath), { recursive: true });
    await rename(this.tempPath, this.finalPath);
  }

  async abort(): Promise<void> {
    this.out.destroy();
    await rm(this.tempPath, { force: true });
  }
}
