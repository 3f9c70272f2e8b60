// A download into object storage. The bytes go to a local spool file (hashed as they arrive; the cache serves
// clients that fall behind from it) and, part by part as they reach the disk, into a multipart upload to the final
// key. The upload is completed only after `commit` verified digest and size: until then, and forever after a crash,
// nothing is visible under the key. A blob smaller than one part is one PUT after verification instead.
import { open, readFile, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  PutObjectCommand, UploadPartCommand, type CompletedPart, type S3Client,
} from '@aws-sdk/client-s3';
import { SpooledWriter, type SpoolFile } from '../spool.ts';
import { ObjectStoreError } from './errors.ts';

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  /** The blob's final key. */
  key: string;
  /** Bytes per part (the last may be smaller); at least 5 MiB, S3's minimum. */
  partSize: number;
  /** A fresh key for this upload's note (see keys.ts): written when the multipart upload starts. */
  newNote: () => string;
}

interface Upload {
  uploadId: string;
  note: string;
  parts: CompletedPart[];
}

export class S3BlobWriter extends SpooledWriter {
  onVerified?: () => void;
  private upload: Promise<Upload> | undefined;
  /** Bytes handed to part uploads so far: [0, queued) is uploaded or on its way. */
  private queued = 0;
  private nextPart = 1;
  /** Part uploads, one after the other: one part's buffer in memory at a time. */
  private uploading: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  /** Every byte is on disk and verified: the last, smaller part may go. */
  private verified = false;
  private reader: Promise<FileHandle> | undefined;

  constructor(
    spool: SpoolFile,
    private readonly target: UploadTarget,
    /** Offered the verified spool file once the upload is complete; true when it took (moved) the file. */
    private readonly keep: (verifiedPath: string, size: number) => Promise<boolean> = async () => false,
  ) {
    super(spool);
  }

  override async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    await this.spool.write(chunk);
  }

  protected override afterFlush(): void {
    this.pump();
  }

  /** Queues every whole part on disk (and, once verified, the rest) for upload. */
  private pump(): void {
    const { partSize } = this.target;
    for (;;) {
      const ready = this.spool.flushed - this.queued;
      if (this.failure || ready <= 0 || (ready < partSize && !this.verified)) return;
      const start = this.queued;
      const length = Math.min(partSize, ready);
      const partNumber = this.nextPart++;
      this.queued += length;
      this.uploading = this.uploading.then(() => (this.failure ? undefined : this.uploadPart(partNumber, start, length))).catch((err: unknown) => {
        this.failure ??= err as Error;
      });
    }
  }

  private async uploadPart(partNumber: number, start: number, length: number): Promise<void> {
    const { client, bucket, key } = this.target;
    const upload = await this.startUpload();
    this.reader ??= open(this.spool.path, 'r');
    const body = Buffer.allocUnsafe(length);
    const { bytesRead } = await (await this.reader).read(body, 0, length, start);
    if (bytesRead !== length) throw new Error(`spool file ended at ${start + bytesRead} bytes, part ${partNumber} needs ${start + length}`);
    try {
      const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: upload.uploadId, PartNumber: partNumber, Body: body, ContentLength: length }));
      upload.parts.push({ PartNumber: partNumber, ETag });
    } catch (err) {
      throw new ObjectStoreError(`upload part ${partNumber} of`, key, err);
    }
  }

  /** Starts the multipart upload once, and writes its note so that the upload is aborted if this process dies. */
  private startUpload(): Promise<Upload> {
    this.upload ??= (async () => {
      const { client, bucket, key } = this.target;
      let uploadId: string | undefined;
      try {
        ({ UploadId: uploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })));
      } catch (err) {
        throw new ObjectStoreError('start multipart upload of', key, err);
      }
      if (!uploadId) throw new ObjectStoreError('start multipart upload of', key, new Error('no UploadId in the answer'));
      const note = this.target.newNote();
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: note, Body: JSON.stringify({ key, uploadId }), ContentType: 'application/json' }));
      } catch (err) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
        throw new ObjectStoreError('write the upload note', note, err);
      }
      return { uploadId, note, parts: [] };
    })();
    return this.upload;
  }

  async commit(): Promise<void> {
    const { client, bucket, key } = this.target;
    try {
      if (this.failure) throw this.failure;
      // Rejects with DigestMismatchError (the spool file removed) when digest or size differ.
      await this.spool.finish();
      this.verified = true;
      // The readers need not wait for the rest of the upload and its completion.
      this.onVerified?.();
      if (!this.upload && this.queued === 0) {
        // Smaller than a part: nothing was sent yet, one PUT publishes it.
        const body = await readFile(this.spool.path);
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength }));
        } catch (err) {
          throw new ObjectStoreError('put', key, err);
        }
      } else {
        this.pump();
        await this.uploading;
        if (this.failure) throw this.failure;
        const upload = await this.startUpload();
        const parts = [...upload.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
        try {
          await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.uploadId, MultipartUpload: { Parts: parts } }));
        } catch (err) {
          throw new ObjectStoreError('complete multipart upload of', key, err);
        }
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: upload.note })).catch(() => undefined);
      }
    } catch (err) {
      await this.abort();
      throw err;
    }
    await this.release(true);
  }

  async abort(): Promise<void> {
    this.failure ??= new Error('download aborted');
    await this.uploading;
    await this.release();
    const upload = await this.upload?.catch(() => undefined);
    if (!upload) return;
    const { client, bucket, key } = this.target;
    // Left behind only if the server is unreachable now: the sweeper aborts it later (its note says which it is).
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.uploadId })).catch(() => undefined);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: upload.note })).catch(() => undefined);
  }

  /**
   * Closes the part reader and, unless `keep` takes the verified file, removes it. A reader of the cache may still
   * hold it open: fine either way.
   */
  private async release(uploaded = false): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.then((h) => h.close()).catch(() => undefined);
    if (uploaded && (await this.keep(this.spool.path, this.spool.written).catch(() => false))) return;
    await this.spool.discard();
  }
}
