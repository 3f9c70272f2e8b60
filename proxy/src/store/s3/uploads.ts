// Multipart uploads left behind: by this replica before a crash (its notes say exactly which: aborted at start), or
// by a replica that is gone (aborted once older than `abandonedAfterMs`, by whichever replica sweeps). Parts of an
// upload never completed are invisible but billed, so they must not pile up. A bucket lifecycle rule
// (AbortIncompleteMultipartUpload) does the same on servers that have one; this works on any.
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketKeys } from './keys.ts';
import { isMissing, ObjectStoreError } from './errors.ts';

export interface UploadSweeperOptions {
  client: S3Client;
  bucket: string;
  keys: BucketKeys;
  /** An upload started this long ago is abandoned, whoever started it; default 24 h (a download is never that long). */
  abandonedAfterMs?: number;
  /** How often abandoned uploads are looked for; default 1 h. */
  intervalMs?: number;
  now?: () => number;
  onError?: (err: Error) => void;
}

export class UploadSweeper {
  private readonly abandonedAfterMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: UploadSweeperOptions) {
    this.abandonedAfterMs = opts.abandonedAfterMs ?? 24 * 60 * 60_000;
    this.intervalMs = opts.intervalMs ?? 60 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Aborts every upload this replica's notes name (run at start, before any new upload); returns how many. */
  async sweepOwn(): Promise<number> {
    const { client, bucket, keys } = this.opts;
    let aborted = 0;
    for await (const note of this.list(keys.ownUploadsPrefix)) {
      const upload = await this.readNote(note.key);
      if (upload) {
        await this.abortUpload(upload.key, upload.uploadId);
        aborted++;
      }
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: note.key }));
    }
    return aborted;
  }

  /** Aborts uploads under the blobs older than abandonedAfterMs, and drops notes as old; returns how many uploads. */
  async sweepAbandoned(): Promise<number> {
    const { client, bucket, keys } = this.opts;
    const before = this.now() - this.abandonedAfterMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({
        Bucket: bucket, Prefix: keys.blobsPrefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
      })).catch((err: unknown) => {
        throw new ObjectStoreError('list multipart uploads under', keys.blobsPrefix, err);
      });
      for (const upload of page.Uploads ?? []) {
        if (upload.Key && upload.UploadId && upload.Initiated && upload.Initiated.getTime() < before) {
          await this.abortUpload(upload.Key, upload.UploadId);
          aborted++;
        }
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
      if (!keyMarker && !uploadIdMarker) break;
    }
    for await (const note of this.list(keys.uploadsPrefix)) {
      if (note.lastModified < before) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: note.key }));
    }
    return aborted;
  }

  /** Sweeps for abandoned uploads every intervalMs until stopped; failures go to onError. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.sweepAbandoned().catch((err: Error) => this.opts.onError?.(err));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async abortUpload(key: string, uploadId: string): Promise<void> {
    const { client, bucket } = this.opts;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if (!isMissing(err)) throw new ObjectStoreError('abort multipart upload of', key, err);
    }
  }

  private async readNote(key: string): Promise<{ key: string; uploadId: string } | undefined> {
    const { client, bucket, keys } = this.opts;
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const note = JSON.parse(await res.Body!.transformToString()) as { key?: unknown; uploadId?: unknown };
      // Only uploads to a blob key are ours to abort: a note is data read back from the bucket.
      if (typeof note.key !== 'string' || typeof note.uploadId !== 'string' || !keys.digestOf(note.key)) return undefined;
      return { key: note.key, uploadId: note.uploadId };
    } catch (err) {
      if (isMissing(err) || err instanceof SyntaxError) return undefined;
      throw new ObjectStoreError('read upload note', key, err);
    }
  }

  private async *list(prefix: string): AsyncGenerator<{ key: string; lastModified: number }> {
    const { client, bucket } = this.opts;
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }))
        .catch((err: unknown) => {
          throw new ObjectStoreError('list', prefix, err);
        });
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, lastModified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
