// Blobs: served from the store to the project that fetched them, or downloaded once for every concurrent caller of
// that project (fill.ts), or — when the store has no room — streamed to one client without being kept.
import { blobKey } from '../index/keys.ts';
import type { Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { isNotStored, isStoreFull, type BlobWriter, type ByteRange } from '../store/blobstore.ts';
import { describeError, UpstreamError } from '../upstream/errors.ts';
import { missKey, rememberMiss, type CacheContext } from './context.ts';
import { Fill } from './fill.ts';
import { InFlight } from './inflight.ts';
import { Passthrough } from './passthrough.ts';
import type { BlobBody } from './types.ts';

/**
 * Another replica fetched the blob while this one waited for its fill lease (fill-leases.ts): it is in the shared
 * store and index now, so every caller looks there again.
 */
class StoredElsewhere {
  constructor(readonly size: number) {}
  reader(): undefined {
    return undefined;
  }
}

/**
 * A blob on its way: a Fill shared by every caller, or, when the store has no room, one client's Passthrough, or a
 * blob another replica stored meanwhile.
 */
type Download = Fill | Passthrough | StoredElsewhere;

/**
 * How long a presigned URL works: enough for a client to follow the redirect at once (S3 checks expiry when a
 * request starts, not while its body streams), short because the URL is a credential for that object.
 */
export const PRESIGNED_URL_SECONDS = 120;

export class Blobs {
  /** Blob downloads by digest and the project that started each: joined only as `runningFill` allows. */
  private readonly fills = new InFlight<Promise<Download>>();
  /** Downloads not yet stored and linked: on object storage, their clients may have every byte already (fill.ts). */
  private readonly storing = new Set<Promise<void>>();

  constructor(private readonly ctx: CacheContext) {}

  /** Size of a blob; rejects with OciError BLOB_UNKNOWN, or UpstreamError. */
  async stat(project: Project, name: RepositoryName, digest: Digest): Promise<number> {
    const { ctx } = this;
    const local = await this.localSize(project, digest);
    if (local !== undefined) return local;
    const fill = await this.runningFill(project, digest);
    if (fill) {
      const f = await fill;
      if (f.size !== undefined) return f.size;
    }
    const miss = missKey(project, name, 'blobs', digest);
    if (ctx.misses.has(miss)) throw unknown(digest);
    let size: number | undefined;
    try {
      size = await ctx.upstream(project).headBlob(name, digest);
    } catch (err) {
      rememberMiss(ctx, err, project, miss);
      if (err instanceof UpstreamError && err.kind === 'not-found') throw unknown(digest);
      throw err;
    }
    if (size === undefined) throw new OciError('BLOB_UNKNOWN', 'upstream gave no size', { status: 502 });
    return size;
  }

  /**
   * Rejects with OciError BLOB_UNKNOWN or RANGE_INVALID, or UpstreamError. `rounds`: how many more times a caller
   * sent back to the store (see below) looks again, so that a store that lists a blob it cannot read ends in an error.
   */
  async open(project: Project, name: RepositoryName, digest: Digest, range?: ByteRange, rounds = 3): Promise<BlobBody> {
    const { ctx } = this;
    const fromStore = await this.openLocal(project, digest, range);
    if (fromStore) return fromStore;
    const running = await this.runningFill(project, digest);
    if (!running && ctx.misses.has(missKey(project, name, 'blobs', digest))) throw unknown(digest);
    if (running) ctx.observer.coalesced(project.name, 'blob');
    else ctx.observer.miss(project.name, 'blob');
    const download = await (running ?? this.startFill(project, name, digest));
    const stream = download.reader(range);
    // A download the store had no room for serves one client: one who joined it fetches on its own. A blob another
    // replica stored is served from the store.
    if (!stream) {
      if (rounds === 0) throw new OciError('UPSTREAM_UNAVAILABLE', `blob ${digest} is listed in the store but cannot be read`, { status: 503 });
      return this.open(project, name, digest, range, rounds - 1);
    }
    if (download.size !== undefined) {
      try {
        checkRange(range, download.size);
      } catch (err) {
        stream.destroy();
        throw err;
      }
    }
    const size = range ? range.end - range.start + 1 : download.size;
    return { size: size ?? -1, source: 'upstream', stream };
  }

  /**
   * A presigned URL of the stored blob, for a project that redirects to storage; undefined when it is not stored
   * (for this project, or any more: the object is looked at, as another replica may have evicted it).
   */
  async locate(project: Project, digest: Digest): Promise<string | undefined> {
    const { ctx } = this;
    if (!project.redirectToStorage || !ctx.store.presignGet) return undefined;
    // Busy from before the object is looked at until the URL runs out: the client GETs the object itself, at any
    // moment in that window, and retention (here, or on any replica sharing the store) must not delete it meanwhile.
    const release = ctx.inUse.acquire(digest);
    try {
      if ((await this.localSize(project, digest)) === undefined || (await ctx.store.stat(digest)) === undefined) return undefined;
      const url = await ctx.store.presignGet(digest, ctx.presignedUrlSeconds);
      ctx.inUse.holdFor(digest, ctx.presignedUrlSeconds * 1000);
      ctx.observer.hit(project.name, 'blob');
      return url;
    } finally {
      release();
    }
  }

  /** A blob is served locally only to the project that fetched it (or after the upstream confirmed it to another). */
  private async localSize(project: Project, digest: Digest): Promise<number | undefined> {
    const { ctx } = this;
    const key = blobKey(project.name, digest);
    const known = ctx.usage.get(key);
    if (known) {
      // Retention knows it, so it is stored; if the file went away anyway, opening it fails with ENOENT and the
      // caller fetches again.
      ctx.usage.touch(key, ctx.now());
      return known.size;
    }
    const size = await ctx.store.stat(digest);
    if (size === undefined) return undefined;
    const record = await ctx.catalog.getBlob(project.name, digest);
    if (!record) return undefined;
    // Stored by another replica sharing the index (or known here already).
    ctx.usage.adopt({ key, kind: 'blob', project: project.name, digest, size, references: [], lastPulled: ctx.now() });
    ctx.usage.touch(key, ctx.now());
    return size;
  }

  /**
   * A download in flight this project may join: its own, or another project's for a blob this project's index links
   * already (its file is being fetched again). Any other project's download is not this project's to serve, just as
   * that project's stored blob is not (issue 13: protected bytes leaked while they downloaded).
   */
  private async runningFill(project: Project, digest: Digest): Promise<Promise<Download> | undefined> {
    const own = this.fills.get(project.name, digest);
    if (own || !this.fills.any(digest)) return own;
    const linked = await this.ctx.catalog.getBlob(project.name, digest);
    return this.fills.get(project.name, digest) ?? (linked ? this.fills.any(digest) : undefined);
  }

  /** The stored blob under a lease, or undefined when it is not stored (or was evicted a moment ago). */
  private async openLocal(project: Project, digest: Digest, range: ByteRange | undefined): Promise<BlobBody | undefined> {
    const { ctx } = this;
    const release = ctx.inUse.acquire(digest);
    try {
      const local = await this.localSize(project, digest);
      if (local === undefined) {
        release();
        return undefined;
      }
      checkRange(range, local);
      const stream = await ctx.store.open(digest, range);
      stream.once('close', release);
      ctx.observer.hit(project.name, 'blob');
      return { size: range ? range.end - range.start + 1 : local, source: 'cache', stream };
    } catch (err) {
      release();
      if (isNotStored(err)) return undefined;
      throw err;
    }
  }

  private startFill(project: Project, name: RepositoryName, digest: Digest): Promise<Download> {
    const { ctx } = this;
    const release = ctx.inUse.acquire(digest);
    const forget = () => this.fills.delete(project.name, digest, starting);
    const starting: Promise<Download> = (async () => {
      let storedSize: number | undefined;
      const claim = await ctx.fills.claim(blobKey(project.name, digest), { project: project.name, kind: 'blob' }, async () => {
        storedSize = await this.storedFor(project, digest);
        return storedSize !== undefined;
      });
      if (!claim) {
        forget();
        release();
        return new StoredElsewhere(storedSize!);
      }
      let fill: Fill | Passthrough;
      try {
        fill = await this.download(project, name, digest, release, forget);
      } catch (err) {
        await claim.release().catch(() => undefined);
        throw err;
      }
      if (fill instanceof Passthrough) {
        // Nothing will be stored: the other replicas need not wait for this one.
        void claim.release().catch(() => undefined);
        return fill;
      }
      // The lease ends only after the blob is linked in the index: a replica that waited finds it there.
      const stored = fill.done.then(
        // Stored but not indexed: served this once, fetched again next time (and no one hears why but the log).
        () => this.link(project, digest, fill.written).catch((err: Error) => ctx.warn('blob stored but not indexed', { project: project.name, digest, cause: describeError(err) })),
        (err: Error) => this.downloadFailed(project, digest, err),
      ).finally(() => {
        release();
        return claim.release();
      }).catch(() => undefined).finally(() => this.storing.delete(stored));
      this.storing.add(stored);
      return fill;
    })();
    this.fills.set(project.name, digest, starting);
    starting.catch(() => {
      release();
      this.fills.delete(project.name, digest, starting);
    });
    return starting;
  }

  /** Resolves once every download started so far is stored and linked, or has failed. */
  async settled(): Promise<void> {
    await Promise.all(this.storing);
  }

  /** The size of a blob the shared store holds and this project's index links (another replica fetched it). */
  private async storedFor(project: Project, digest: Digest): Promise<number | undefined> {
    if (!(await this.ctx.catalog.getBlob(project.name, digest))) return undefined;
    return this.ctx.store.stat(digest);
  }

  /** GETs the blob upstream and starts copying it into the store (or, with the store full, past it). */
  private async download(project: Project, name: RepositoryName, digest: Digest, release: () => void, forget: () => void): Promise<Fill | Passthrough> {
    const { ctx } = this;
    let answer;
    try {
      answer = await ctx.upstream(project).getBlob(name, digest);
    } catch (err) {
      rememberMiss(ctx, err, project, missKey(project, name, 'blobs', digest));
      if (err instanceof UpstreamError && err.kind === 'not-found') throw unknown(digest);
      if (err instanceof UpstreamError) ctx.observer.upstreamError(project.name, err.message);
      throw err;
    }
    const { size, body } = answer;
    let writer: BlobWriter;
    try {
      writer = await ctx.store.writer(digest, size);
    } catch (err) {
      if (!isStoreFull(err)) {
        body.destroy();
        throw err;
      }
      ctx.warn('store full: serving a blob without caching it', { project: project.name, digest, size, cause: describeError(err) });
      forget();
      return new Passthrough(body, digest, size, release);
    }
    try {
      return await Fill.start(writer, size, body, forget);
    } catch (err) {
      body.destroy();
      await writer.abort().catch(() => undefined);
      throw err;
    }
  }

  /**
   * A blob download that failed once its clients had their headers: they see only a broken connection, so the cause
   * goes to the log (and, when the upstream failed, to the stats).
   */
  private downloadFailed(project: Project, digest: Digest, err: Error): void {
    if (isStoreFull(err)) {
      this.ctx.warn('store full: a blob download was dropped', { project: project.name, digest, cause: describeError(err) });
      return;
    }
    this.ctx.observer.upstreamError(project.name, `blob ${digest}: ${err.message}`);
    this.ctx.warn('blob download failed', { project: project.name, digest, cause: describeError(err) });
  }

  private async link(project: Project, digest: Digest, size: number): Promise<void> {
    const { ctx } = this;
    const lastPulled = ctx.now();
    await ctx.catalog.setBlob(project.name, digest, { size, lastPulled });
    if (ctx.usage.add({ key: blobKey(project.name, digest), kind: 'blob', project: project.name, digest, size, references: [], lastPulled })) {
      ctx.observer.stored(project.name, size);
    }
  }
}

function unknown(digest: Digest): OciError {
  return new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
}

function checkRange(range: ByteRange | undefined, size: number): void {
  if (range && (range.start > range.end || range.end >= size)) {
    throw new OciError('RANGE_INVALID', `range ${range.start}-${range.end} is outside 0-${size - 1}`, { headers: { 'content-range': `bytes */${size}` } });
  }
}
