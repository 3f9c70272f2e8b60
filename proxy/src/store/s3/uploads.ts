// Multipart uploads left behind: by a process that is gone (its notes say exactly which: aborted as soon as that is
// known — at once after a restart on the same host, else when its heartbeat has stopped for `deadAfterMs`), or with
// no note at all (aborted once older than `abandonedAfterMs`, by whichever replica sweeps). Parts of an upload never
// completed are invisible but billed, so they must not pile up. A bucket lifecycle rule
// (AbortIncompleteMultipartUpload) does the same on servers that have one; this works on any. Notes are filed per
// process, not per host name: replicas sharing a name (one host, several containers) must not abort each other's.
import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command,
  PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import type { BucketKeys } from './keys.ts';
import { isMissing, ObjectStoreError } from './errors.ts';
import { isGone, parseOwner, thisProcess } from './owner.ts';

export interface UploadSweeperOptions {
  client: S3Client;
  bucket: string;
  keys: BucketKeys;
  /** An upload started this long ago is abandoned, whoever started it; default 24 h (a download is never that long). */
  abandonedAfterMs?: number;
  /** How often abandoned uploads are looked for; default 1 h. */
  intervalMs?: number;
  /** How often this process's heartbeat is written (and dead processes' uploads looked for); default 1 min. */
  heartbeatMs?: number;
  /** A heartbeat this old (by the bucket's clock) is a dead process's; default 5 min. */
  deadAfterMs?: number;
  now?: () => number;
  onError?: (err: Error) => void;
}

export class UploadSweeper {
  private readonly abandonedAfterMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: UploadSweeperOptions) {
    this.abandonedAfterMs = opts.abandonedAfterMs ?? 24 * 60 * 60_000;
    this.intervalMs = opts.intervalMs ?? 60 * 60_000;
    this.heartbeatMs = opts.heartbeatMs ?? 60_000;
    this.deadAfterMs = opts.deadAfterMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Writes this process's heartbeat: before its first upload note, and then every heartbeatMs. */
  async heartbeat(): Promise<void> {
    const { client, bucket, keys } = this.opts;
    const key = keys.heartbeat(keys.instance);
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(await thisProcess()), ContentType: 'application/json' }));
    } catch (err) {
      throw new ObjectStoreError('write the heartbeat', key, err);
    }
  }

  /**
   * Aborts the uploads whose notes name a process that is gone, and drops their notes and dead heartbeats; returns
   * how many uploads. Also the notes this replica name left before per-start ids, with `legacy` (at start).
   */
  async sweepDead(opts: { legacy?: boolean } = {}): Promise<number> {
    const { keys } = this.opts;
    // Notes first, heartbeats second: a process writes its heartbeat before any note, so a note listed here has
    // its heartbeat in the listing below unless that process is dead.
    const notes = new Map<string, string[]>();
    for await (const note of this.list(keys.uploadsPrefix)) {
      const instance = keys.instanceOfNote(note.key);
      if (instance === undefined || instance === keys.instance) continue;
      notes.set(instance, [...(notes.get(instance) ?? []), note.key]);
    }
    const beats = new Map<string, number>();
    for await (const beat of this.list(keys.instancesPrefix)) beats.set(beat.key.slice(keys.instancesPrefix.length), beat.lastModified);
    // The bucket's clock (this process's heartbeat was just written), not this machine's.
    const now = beats.get(keys.instance) ?? this.now();
    const dead = new Set<string>();
    for (const [instance, seen] of beats) {
      if (instance !== keys.instance && (seen < now - this.deadAfterMs || (await this.ownerGone(instance)))) dead.add(instance);
    }
    let aborted = 0;
    for (const [instance, keysOfNotes] of notes) {
      if (beats.has(instance) && !dead.has(instance)) continue;
      for (const note of keysOfNotes) aborted += await this.abortNoted(note);
    }
    if (opts.legacy) {
      for await (const note of this.list(keys.legacyUploadsPrefix)) {
        if (keys.instanceOfNote(note.key) === undefined) aborted += await this.abortNoted(note.key);
      }
    }
    for (const instance of dead) await this.deleteKey(keys.heartbeat(instance));
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
    // Heartbeats as old are of processes long gone whose notes sweepDead never saw.
    for await (const beat of this.list(keys.instancesPrefix)) {
      if (beat.lastModified < before && beat.key !== keys.heartbeat(keys.instance)) await this.deleteKey(beat.key);
    }
    return aborted;
  }

  /**
   * Writes the heartbeat and sweeps dead processes' uploads every heartbeatMs, abandoned ones every intervalMs, until
   * stopped; failures go to onError.
   */
  start(): void {
    if (this.timers.length > 0) return;
    const onError = (err: Error) => this.opts.onError?.(err);
    this.timers = [
      setInterval(() => void this.heartbeat().then(() => this.sweepDead()).catch(onError), this.heartbeatMs),
      setInterval(() => void this.sweepAbandoned().catch(onError), this.intervalMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Aborts the upload a note names (when it names one) and deletes the note; 1 when an upload was aborted. */
  private async abortNoted(note: string): Promise<number> {
    const upload = await this.readNote(note);
    if (upload) await this.abortUpload(upload.key, upload.uploadId);
    await this.deleteKey(note);
    return upload ? 1 : 0;
  }

  /** True when the heartbeat of `instance` names a process known to be gone (see owner.ts). */
  private async ownerGone(instance: string): Promise<boolean> {
    const text = await this.readText(this.opts.keys.heartbeat(instance));
    const owner = text === undefined ? undefined : parseOwner(text);
    return owner !== undefined && (await isGone(owner));
  }

  private async deleteKey(key: string): Promise<void> {
    try {
      await this.opts.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    } catch (err) {
      if (!isMissing(err)) throw new ObjectStoreError('delete', key, err);
    }
  }

  private async readText(key: string): Promise<string | undefined> {
    try {
      const res = await this.opts.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return await res.Body!.transformToString();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new ObjectStoreError('read', key, err);
    }
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
    const text = await this.readText(key);
    if (text === undefined) return undefined;
    try {
      const note = JSON.parse(text) as { key?: unknown; uploadId?: unknown };
      // Only uploads to a blob key are ours to abort: a note is data read back from the bucket.
      if (typeof note.key !== 'string' || typeof note.uploadId !== 'string' || !this.opts.keys.digestOf(note.key)) return undefined;
      return { key: note.key, uploadId: note.uploadId };
    } catch {
      return undefined;
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
