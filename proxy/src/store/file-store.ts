// The content-addressed store on a volume: bytes are written to a temp file, hashed as they arrive, and renamed
// into place only when digest and size match. Files under blobs/ are therefore always verified content.
import { mkdir, readdir, rename, rm, stat, unlink, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';
import type { BlobStore, BlobWriter, ByteRange } from './blobstore.ts';
import { storePaths, type StorePaths } from './paths.ts';
import { HotBlobs, type HotBlobsOptions } from './hotblobs.ts';
import { checkRoom, MIN_FREE_BYTES, SpoolFile, SpooledWriter } from './spool.ts';
import { readFileRange } from './read-buffers.ts';

export interface FileBlobStoreOptions extends HotBlobsOptions {
  /** The memory for small blobs, when the caller watches it; default: one made from the HotBlobsOptions. */
  hot?: HotBlobs;
  /** This process's name among the replicas sharing the store; default: the host name (the pod's name). */
  replica?: string;
  /** Free bytes a download must leave on the store's file system; default MIN_FREE_BYTES. */
  minFreeBytes?: number;
}

/** Another replica's temp folder untouched this long belongs to a replica that is gone. */
const ABANDONED_TEMP_MS = 60 * 60_000;

export class FileBlobStore implements BlobStore {
  readonly paths: StorePaths;
  private readonly hot: HotBlobs;
  private readonly minFreeBytes: number;

  constructor(root: string, opts: FileBlobStoreOptions = {}) {
    this.paths = storePaths(root, opts.replica ?? hostname());
    this.hot = opts.hot ?? new HotBlobs(opts);
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
    // Larger blobs: read into the shared buffers that the response hands back (read-buffers.ts).
    return readFileRange(path, range ?? { start: 0, end: size - 1 });
  }

  read(digest: Digest): Promise<Buffer> {
    return readFile(this.paths.blob(digest));
  }

  async writer(digest: Digest, expectedSize?: number): Promise<BlobWriter> {
    await checkRoom(this.paths.tmpDir, expectedSize, this.minFreeBytes);
    const spool = await SpoolFile.create(this.paths.newTemp(), digest, expectedSize);
    return new FileBlobWriter(spool, this.paths.blob(digest));
  }

  async delete(digest: Digest): Promise<void> {
    this.hot.delete(digest);
    await unlink(this.paths.blob(digest)).catch(() => undefined);
  }
}

/** A spool file renamed into place once verified. */
class FileBlobWriter extends SpooledWriter {
  constructor(
    spool: SpoolFile,
    private readonly finalPath: string,
  ) {
    super(spool);
  }

  async commit(): Promise<void> {
    await this.spool.finish();
    await mkdir(dirname(this.finalPath), { recursive: true });
    await rename(this.tempPath, this.finalPath);
  }

  abort(): Promise<void> {
    return this.spool.discard();
  }
}
