// The content-addressed store on S3-compatible object storage (the same interface as the volume's). Reads are
// streamed GETs (with Range), small blobs held in memory as on the volume; writes are S3BlobWriters, visible only
// once verified. A local folder holds downloads in progress (see writer.ts) and a bounded number of verified local
// copies of blobs downloaded or read before (local-copies.ts), served at the volume's speed.
import { mkdir, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Digest } from '../../oci/digest.ts';
import { BlobNotStoredError, type BlobStore, type BlobWriter, type ByteRange } from '../blobstore.ts';
import { HotBlobs, type HotBlobsOptions } from '../hotblobs.ts';
import type { StorePaths } from '../paths.ts';
import { checkRoom, MIN_FREE_BYTES, SpoolFile } from '../spool.ts';
import type { BucketKeys } from './keys.ts';
import { isMissing, ObjectStoreError } from './errors.ts';
import { LocalCopies } from './local-copies.ts';
import { UploadSweeper, type UploadSweeperOptions } from './uploads.ts';
import { S3BlobWriter } from './writer.ts';

const MIB = 1024 * 1024;
/** S3 refuses parts under 5 MiB (but the last) and uploads of more than 10,000 parts. */
const MIN_PART = 5 * MIB;
const MAX_PARTS = 10_000;
const DEFAULT_PART = 16 * MIB;
/**
 * 1 GiB of local copies by default: the working folder is the pod's emptyDir, on the node's disk beside its images
 * and other pods' emptyDirs. That holds the large layers of a few images — the ones pulled again and again — and is
 * small next to what nodes keep for images; more, and the copies would compete with the node's own image store.
 */
export const DEFAULT_LOCAL_COPY_BYTES = 1024 * MIB;

export interface S3BlobStoreOptions extends HotBlobsOptions {
  /** The memory for small blobs, when the caller watches it; default: one made from the HotBlobsOptions. */
  hot?: HotBlobs;
  client: S3Client;
  bucket: string;
  keys: BucketKeys;
  /** The local working folder's layout: downloads in progress go to `tmpDir`. */
  local: StorePaths;
  /** Bytes per part of a multipart upload; default 16 MiB, at least 5 MiB. Blobs smaller than this are one PUT. */
  partSize?: number;
  minFreeBytes?: number;
  /** Bytes of verified local copies of blobs in the working folder (default DEFAULT_LOCAL_COPY_BYTES); 0: none. */
  localCopyBytes?: number;
  /** Keep each download's verified file as its local copy (default true); else copies come from reads only. */
  keepDownloads?: boolean;
  sweeper?: Pick<UploadSweeperOptions, 'abandonedAfterMs' | 'intervalMs' | 'heartbeatMs' | 'deadAfterMs' | 'onError'>;
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  readonly keys: BucketKeys;
  private readonly local: StorePaths;
  private readonly hot: HotBlobs;
  private readonly partSize: number;
  private readonly minFreeBytes: number;
  private readonly sweeper: UploadSweeper;
  private readonly keepDownloads: boolean;
  readonly copies: LocalCopies;

  constructor(opts: S3BlobStoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.keys = opts.keys;
    this.local = opts.local;
    this.hot = opts.hot ?? new HotBlobs(opts);
    this.partSize = Math.max(opts.partSize ?? DEFAULT_PART, MIN_PART);
    this.minFreeBytes = opts.minFreeBytes ?? MIN_FREE_BYTES;
    this.copies = new LocalCopies(this.local, opts.localCopyBytes ?? DEFAULT_LOCAL_COPY_BYTES);
    this.keepDownloads = opts.keepDownloads ?? true;
    this.sweeper = new UploadSweeper({ client: this.client, bucket: this.bucket, keys: this.keys, ...opts.sweeper });
  }

  /**
   * Checks the bucket answers, empties the local temp folder, aborts the uploads of processes that are gone (this
   * replica's before a crash, when this machine can tell) and the abandoned ones of any replica, then keeps
   * sweeping. Rejects with ObjectStoreError when the bucket cannot be reached.
   */
  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw new ObjectStoreError('head bucket', this.bucket, err);
    }
    await rm(this.local.tmpDir, { recursive: true, force: true });
    await mkdir(this.local.tmpDir, { recursive: true });
    await this.copies.init();
    // The heartbeat before any note of this process, then the uploads of processes gone (one that ran under this
    // replica's name before a restart among them, when this machine can tell).
    await this.sweeper.heartbeat();
    await this.sweeper.sweepDead({ legacy: true });
    await this.sweeper.sweepAbandoned();
    this.sweeper.start();
  }

  /** Stops the sweeper and closes the client's connections. */
  close(): void {
    this.sweeper.stop();
    this.client.destroy();
  }

  async stat(digest: Digest): Promise<number | undefined> {
    const key = this.keys.blob(digest);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new ObjectStoreError('head', key, err);
    }
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    // The HEAD also tells whether the object is still there: a blob evicted by another replica is not served from
    // this one's memory.
    // So is a local copy: it is dropped once the HEAD finds the object gone.
    const size = await this.stat(digest);
    if (size === undefined) {
      this.copies.delete(digest);
      throw new BlobNotStoredError(digest);
    }
    const bytes = await this.hot.get(digest, size, () => this.read(digest));
    if (bytes) {
      const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
      return Readable.from([body], { objectMode: false });
    }
    const copy = await this.copies.open(digest, size, range);
    if (copy) return copy;
    // Only a whole-object GET makes a copy: a range is too little of the blob to verify.
    if (range) return this.get(digest, range);
    return this.copies.tee(digest, size, await this.get(digest));
  }

  async read(digest: Digest): Promise<Buffer> {
    const stream = await this.get(digest);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  private async get(digest: Digest, range?: ByteRange): Promise<Readable> {
    const key = this.keys.blob(digest);
    try {
      const res = await this.client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }));
      return res.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw new BlobNotStoredError(digest);
      throw new ObjectStoreError('get', key, err);
    }
  }

  async writer(digest: Digest, expectedSize?: number): Promise<BlobWriter> {
    await checkRoom(this.local.tmpDir, expectedSize, this.minFreeBytes);
    const spool = await SpoolFile.create(this.local.newTemp(), digest, expectedSize);
    // Large blobs get larger parts, to stay within S3's 10,000.
    const partSize = expectedSize === undefined ? this.partSize : Math.max(this.partSize, Math.ceil(expectedSize / (MAX_PARTS - 1)));
    return new S3BlobWriter(spool, {
      client: this.client, bucket: this.bucket, key: this.keys.blob(digest), partSize,
      newNote: () => this.keys.newUploadNote(),
    }, async (verifiedPath, size) => this.keepDownloads && this.copies.adopt(digest, size, verifiedPath));
  }

  async presignGet(digest: Digest, expiresInSeconds: number): Promise<string> {
    const key = this.keys.blob(digest);
    try {
      // Signed locally (no request to the server): the keys read from their files, the endpoint as configured.
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
    } catch (err) {
      throw new ObjectStoreError('presign a GET of', key, err);
    }
  }

  async delete(digest: Digest): Promise<void> {
    this.hot.delete(digest);
    this.copies.delete(digest);
    const key = this.keys.blob(digest);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isMissing(err)) throw new ObjectStoreError('delete', key, err);
    }
  }
}
