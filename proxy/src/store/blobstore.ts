// The store seam: one interface for content-addressed bytes (blobs and manifests alike), with two implementations —
// a volume (file-store.ts) and S3-compatible object storage (s3/s3-store.ts). The pull-through cache and retention
// see only this interface. Either way, content becomes visible under its digest only once digest and size were
// verified, so what `stat`/`open`/`read` find is always whole and right.
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';

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

/**
 * The blob is not in the store (never was, or was evicted). Its code is ENOENT, the file store's own, so a caller
 * tests one code whichever store it has.
 */
export class BlobNotStoredError extends Error {
  readonly code = 'ENOENT';
  constructor(digest: Digest) {
    super(`blob ${digest} is not stored`);
    this.name = 'BlobNotStoredError';
  }
}

/** True for a full store: StoreFullError, or a write that failed with ENOSPC or EDQUOT. */
export function isStoreFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof StoreFullError || code === 'ENOSPC' || code === 'EDQUOT';
}

/** True when `open` or `read` failed because the blob is not stored (BlobNotStoredError, or a file's ENOENT). */
export function isNotStored(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ENOENT';
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/**
 * A download into the store; `commit` verifies and publishes it, `abort` removes it. Its bytes go to a local temp
 * file first (`tempPath`), which the cache reads for clients that fall behind the download.
 */
export interface BlobWriter {
  readonly tempPath: string;
  /** Bytes handed to `write` (hashed, maybe not yet on disk). */
  readonly written: number;
  /** Bytes on disk in the temp file: what a positional read of `tempPath` may ask for. */
  readonly flushed: number;
  /**
   * Hashes the chunk and queues it for the disk. Resolves once the writer can take more (the chunk may still be
   * queued: `readPending` has it until `flushed` counts it, and `onFlushed` tells); rejects when a write failed
   * (ENOSPC: see isStoreFull) or, for object storage, when an upload of a part failed. The caller must not change the
   * chunk after.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Resolves once every byte written so far is on disk (`flushed` === `written`); rejects when a write failed. */
  flush(): Promise<void>;
  /** Called (in order) each time bytes reach the disk. */
  onFlushed?: (flushed: number) => void;
  /**
   * Copies bytes from `offset` (at least `flushed`: not on disk yet) into `into`, as many as it holds up to
   * `written`; returns how many. What a reader ahead of the disk reads.
   */
  readPending(offset: number, into: Uint8Array): number;
  /**
   * Verifies and publishes. Rejects with DigestMismatchError (and removes everything written) when digest or size
   * differ; with the store's own error when publishing fails (nothing is then visible).
   */
  commit(): Promise<void>;
  /**
   * Called by a store whose publishing takes long (an upload to object storage: its last part, then its
   * completion) once `commit` has found digest and size right: readers may have the last byte from then on, whether
   * or not publishing succeeds. A store that publishes in a moment (a rename) does not call it: its readers end once
   * the blob is stored.
   */
  onVerified?: () => void;
  /** Removes everything written; never makes anything visible. */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** Size in bytes, or undefined when the blob is not stored. */
  stat(digest: Digest): Promise<number | undefined>;
  /** A stream of stored bytes; rejects with BlobNotStoredError (code ENOENT: isNotStored) when it is not stored. */
  open(digest: Digest, range?: ByteRange): Promise<Readable>;
  /** The whole blob; rejects like `open`. */
  read(digest: Digest): Promise<Buffer>;
  /** Rejects with StoreFullError when the store has no room for `expectedSize` bytes (or none at all). */
  writer(digest: Digest, expectedSize?: number): Promise<BlobWriter>;
  /** Removes the blob; a blob not stored is no error. */
  delete(digest: Digest): Promise<void>;
  /**
   * A URL a client can GET the stored blob from for the next `expiresInSeconds`, signed with the store's own keys:
   * only stores with an address of their own (object storage) have it. The URL is a credential while it lasts:
   * never log it. Does not check that the blob is stored.
   */
  presignGet?(digest: Digest, expiresInSeconds: number): Promise<string>;
}
