// Verified local copies of blobs kept in object storage, in the pod's working folder. A warm blob streamed from the
// bucket ran at a fifth of the volume's speed (node's HTTP client parsing the bucket's answers, small socket writes);
// a blob pulled again is served from a local file through the shared read buffers instead, like the volume's.
//
// A download this store uploaded leaves its verified spool file as the blob's copy (`adopt`). Otherwise a copy is
// made while a whole-object GET streams to its client: the bytes are hashed into a temp file (the spool downloads
// use) and renamed into place only once the whole object arrived and matched its digest. The last chunk
// is held back until then, so a client never gets the whole of bytes that do not match. A client that goes away
// mid-way removes the temp file. Copies are bounded by bytes, least recently used dropped first; the store's HEAD
// before every read (s3-store.ts) keeps a copy from being served after the bucket's object is gone.
import { mkdir, rename, rm, unlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { Digest } from '../../oci/digest.ts';
import { DigestMismatchError, type ByteRange } from '../blobstore.ts';
import type { StorePaths } from '../paths.ts';
import { readFileRange } from '../read-buffers.ts';
import { SpoolFile } from '../spool.ts';
import { Memo } from '../../util/memo.ts';

export class LocalCopies {
  /** Published copies by digest, weighed by size; an evicted one's file is removed. */
  private readonly held: Memo<number>;
  /**
   * Digests being copied now. Not SingleFlight (cache/single-flight.ts): a second first reader must not wait for
   * the copy to finish but stream from the bucket at once, just without making a second copy.
   */
  private readonly copying = new Map<string, { deleted: boolean }>();
  /** Removals of dropped copies' files not yet done. */
  private readonly removing = new Set<Promise<void>>();

  constructor(
    private readonly paths: Pick<StorePaths, 'copiesDir' | 'copy' | 'newTemp'>,
    /** Bytes of copies kept; 0 keeps none. */
    readonly budget: number,
  ) {
    this.held = new Memo<number>(budget, (size) => size, (digest) => void this.remove(digest as Digest));
  }

  /** Removes the copies of a previous run: nothing tells whether the bucket still holds their objects. */
  async init(): Promise<void> {
    await rm(this.paths.copiesDir, { recursive: true, force: true });
    await mkdir(this.paths.copiesDir, { recursive: true });
  }

  /** Bytes of copies held now. */
  get bytes(): number {
    return this.held.weight;
  }

  /** True when a verified copy of `size` bytes is held (and counts as used now). */
  has(digest: Digest, size: number): boolean {
    return this.held.get(digest) === size;
  }

  /**
   * A stream of the copy's bytes through the shared read buffers, or undefined when there is none of `size` bytes
   * (a copy of another size is dropped). A copy evicted between the lookup and the open also gives undefined.
   */
  async open(digest: Digest, size: number, range?: ByteRange): Promise<Readable | undefined> {
    const held = this.held.get(digest);
    if (held === undefined) return undefined;
    if (held !== size) {
      this.delete(digest);
      return undefined;
    }
    try {
      return await readFileRange(this.paths.copy(digest), range ?? { start: 0, end: size - 1 });
    } catch {
      return undefined;
    }
  }

  /**
   * `body` (the whole object, `size` bytes) passed through, and copied on the way when it fits the budget and no
   * copy of it is being made. Resolves once the temp file is open; a copy that cannot start (disk full) just
   * leaves `body` as it is.
   */
  async tee(digest: Digest, size: number, body: Readable): Promise<Readable> {
    if (size > this.budget || this.copying.has(digest)) return body;
    const state = { deleted: false };
    this.copying.set(digest, state);
    let spool: SpoolFile;
    try {
      spool = await SpoolFile.create(this.paths.newTemp(), digest, size);
    } catch {
      this.copying.delete(digest);
      return body;
    }
    const publish = async () => {
      await spool.finish();
      await this.publish(digest, size, spool.path, state);
    };
    const copy = new CopyingStream(spool, publish, () => this.copying.delete(digest));
    body.on('error', (err) => copy.destroy(err));
    copy.on('close', () => body.destroy());
    return body.pipe(copy);
  }

  /**
   * Takes `path`, a verified file of the whole blob (the spool of a download this store just uploaded), as its copy,
   * moving it into place: the first GET after a cold pull then reads no byte from the bucket. False, leaving the
   * file where it is, when it does not fit the budget, a copy is held or being made, or it cannot be moved.
   */
  async adopt(digest: Digest, size: number, path: string): Promise<boolean> {
    if (size > this.budget || this.copying.has(digest) || this.held.get(digest) !== undefined) return false;
    const state = { deleted: false };
    this.copying.set(digest, state);
    try {
      await this.publish(digest, size, path, state);
      return true;
    } catch {
      return false;
    } finally {
      this.copying.delete(digest);
    }
  }

  /** Moves a verified file of the blob into place as its copy, or removes it when the blob was deleted meanwhile. */
  private async publish(digest: Digest, size: number, path: string, state: { deleted: boolean }): Promise<void> {
    if (state.deleted) {
      await rm(path, { force: true });
      return;
    }
    await rename(path, this.paths.copy(digest));
    // Deleted while renaming: the blob is gone from the bucket, so is its copy.
    if (state.deleted) await this.remove(digest);
    else this.held.set(digest, size);
  }

  /** Drops the copy of `digest` (the blob was deleted) and keeps one being made from being published. */
  delete(digest: Digest): void {
    const copying = this.copying.get(digest);
    if (copying) copying.deleted = true;
    this.held.delete(digest);
    void this.remove(digest);
  }

  /** Resolves once the files of the copies dropped so far are removed. */
  async removed(): Promise<void> {
    await Promise.all(this.removing);
  }

  private remove(digest: Digest): Promise<void> {
    const removal = unlink(this.paths.copy(digest)).catch(() => undefined).finally(() => this.removing.delete(removal));
    this.removing.add(removal);
    return removal;
  }
}

/**
 * Passes chunks on one behind while writing each to the spool; the last goes out only after the spool verified and
 * the copy was published, and bytes that do not match fail the stream instead. A copy that cannot be written (no
 * room) or kept is given up and the read goes on without it. Destroyed early (the client left, the bucket's stream
 * failed), it discards the spool.
 */
class CopyingStream extends Transform {
  private held: Buffer | undefined;
  /** True while the spool is written and owned by this stream. */
  private copying = true;

  constructor(
    private readonly spool: SpoolFile,
    private readonly publish: () => Promise<void>,
    private readonly done: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.copying) {
      callback(null, chunk);
      return;
    }
    this.spool.write(chunk).then(() => {
      const previous = this.held;
      this.held = chunk;
      callback(null, previous);
    }, () => {
      this.giveUp();
      this.pushHeld();
      callback(null, chunk);
    });
  }

  override _flush(callback: TransformCallback): void {
    if (!this.copying) {
      callback();
      return;
    }
    this.publish().then(() => {
      this.copying = false;
      this.done();
      this.pushHeld();
      callback();
    }, (err: Error) => {
      // The spool has removed its file; destroy() ends the copy.
      if (err instanceof DigestMismatchError) {
        callback(err);
        return;
      }
      // Verified, but not kept (the rename failed): the client still gets its bytes.
      this.giveUp();
      this.pushHeld();
      callback();
    });
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.copying) {
      callback(err);
      return;
    }
    this.copying = false;
    this.spool.discard().catch(() => undefined).finally(() => {
      this.done();
      callback(err);
    });
  }

  private pushHeld(): void {
    if (this.held) this.push(this.held);
    this.held = undefined;
  }

  private giveUp(): void {
    this.copying = false;
    this.spool.discard().catch(() => undefined).finally(this.done);
  }
}
