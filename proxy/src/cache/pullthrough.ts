// The pull-through cache: serves from the local store, fetches from the project's upstream on a miss (once for any
// number of concurrent callers), checks tags after their TTL with a HEAD, keeps serving what it has when the
// upstream deleted it (unless the project says otherwise) or is down.
import { OciError } from '../oci/errors.ts';
import { digestOf, digestParts, isDigest, sha256Of, type Digest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES, UPSTREAM_ACCEPT, referencedDigests, sniffMediaType } from '../oci/mediatypes.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import { isNotStored, isStoreFull, type BlobStore, type BlobWriter, type ByteRange } from '../store/blobstore.ts';
import { blobKey, manifestKey, type Catalog, type TagRecord } from '../index/catalog.ts';
import { Memo } from './memo.ts';
import type { Project } from '../project.ts';
import { header } from '../upstream/client.ts';
import type { Upstream } from '../upstream/types.ts';
import { describeError, UpstreamError } from '../upstream/errors.ts';
import { readBody, readJson } from '../upstream/body.ts';
import { Fill } from './fill.ts';
import { Passthrough } from './passthrough.ts';
import { InFlight } from './inflight.ts';
import { NO_OBSERVER, type CacheObserver } from './observer.ts';
import { InUse } from './inuse.ts';
import { Misses } from './misses.ts';
import { UsageIndex } from '../retention/usage.ts';
import type { ArtifactService, BlobBody, Manifest } from './types.ts';

/** A blob on its way: a Fill shared by every caller, or, when the store has no room, one client's Passthrough. */
type Download = Fill | Passthrough;

/** A tag list larger than this is refused (thousands of tags take a few hundred KB). */
const MAX_TAG_LIST_BYTES = 16 * 1024 * 1024;
/** While an upstream fails, how long a tag or digest served stale is served without asking again. */
export const STALE_RECHECK_MS = 30_000;

export interface PullThroughOptions {
  store: BlobStore;
  catalog: Catalog;
  upstreams: ReadonlyMap<string, Upstream>;
  observer?: CacheObserver;
  /** Last-pulled order and sizes for retention; pulls are recorded here, in memory, not in the catalog. */
  usage?: UsageIndex;
  /** Leases on digests being downloaded or streamed, which retention leaves alone. */
  inUse?: InUse;
  now?: () => number;
  /** Where problems no client hears of go (a download that failed after its headers, a full store): the log. */
  warn?: Warn;
}

export type Warn = (message: string, fields: Record<string, unknown>) => void;

export class PullThrough implements ArtifactService {
  private readonly store: BlobStore;
  private readonly catalog: Catalog;
  private readonly upstreams: ReadonlyMap<string, Upstream>;
  private readonly observer: CacheObserver;
  private readonly usage: UsageIndex;
  private readonly inUse: InUse;
  private readonly now: () => number;
  private readonly warn: Warn;
  /** Blob downloads by digest and the project that started each: joined only as `runningFill` allows. */
  private readonly blobFills = new InFlight<Promise<Download>>();
  private readonly manifestFetches = new Map<string, Promise<Manifest>>();
  /** Tag checks upstream in progress, by project/name:tag, shared by concurrent callers. */
  private readonly tagChecks = new Map<string, Promise<Manifest>>();
  /** Hot manifests by catalog key, and tag records by `<project>/<repo>:<tag>` (write-through to the catalog). */
  private readonly manifestMemo = new Memo<Manifest>(32 * 1024 * 1024, (m) => m.body.byteLength + 256);
  private readonly tagMemo = new Memo<TagRecord>(50_000);
  /** Upstream 404s remembered for the project's notFoundTTL, consulted only when nothing is stored. */
  private readonly misses: Misses;
  /**
   * Tags and digests served stale because the upstream failed (down, 5xx, 429, timeout): not asked about again for
   * STALE_RECHECK_MS (or the tag's TTL when shorter), so an outage costs one upstream wait per period instead of
   * one per pull — a stalled upstream would otherwise hold every pull of a cached tag for the whole deadline.
   */
  private readonly servedStale: Misses;

  constructor(opts: PullThroughOptions) {
    this.store = opts.store;
    this.catalog = opts.catalog;
    this.upstreams = opts.upstreams;
    this.observer = opts.observer ?? NO_OBSERVER;
    this.usage = opts.usage ?? new UsageIndex();
    this.inUse = opts.inUse ?? new InUse();
    this.now = opts.now ?? Date.now;
    this.warn = opts.warn ?? (() => undefined);
    this.misses = new Misses(this.now);
    this.servedStale = new Misses(this.now);
  }

  /** Digests being downloaded now; retention must not evict them. */
  inFlight(): Set<string> {
    return this.blobFills.digests();
  }

  async getManifest(project: Project, name: RepositoryName, reference: Tag | Digest, accept?: readonly string[]): Promise<Manifest> {
    const manifest = isDigest(reference) ? await this.manifestByDigest(project, name, reference) : await this.manifestByTag(project, name, reference);
    if (!accept || accept.includes(manifest.mediaType)) return manifest;
    return this.negotiate(project, name, reference, accept);
  }

  /**
   * The client accepts none of the stored type: ask the upstream with the client's Accept (it may hold or convert
   * to another type). Offline, or still no acceptable type: MANIFEST_UNKNOWN, as the spec says.
   */
  private async negotiate(project: Project, name: RepositoryName, reference: Tag | Digest, accept: readonly string[]): Promise<Manifest> {
    let other: Manifest | undefined;
    try {
      other = await this.fetchManifest(project, name, reference, accept.join(', '));
    } catch (err) {
      if (!(err instanceof UpstreamError) && !(err instanceof OciError)) throw err;
    }
    if (other && accept.includes(other.mediaType)) return other;
    throw new OciError('MANIFEST_UNKNOWN', `manifest ${name}${isDigest(reference) ? '@' : ':'}${reference} is not available as ${accept.join(', ')}`);
  }

  private async manifestByTag(project: Project, name: RepositoryName, tag: Tag): Promise<Manifest> {
    const record = await this.getTag(project.name, name, tag);
    const cached = record ? await this.localManifest(project, name, record.digest) : undefined;
    const miss = missKey(project, name, 'manifests', tag);
    if (record && cached && (record.checkedAt + project.tagTtlMs > this.now() || this.servedStale.has(miss))) {
      this.observer.hit(project.name, 'manifest');
      return cached;
    }
    if (!cached && this.misses.has(miss)) {
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${name}:${tag} is not known`);
    }
    // One upstream check per tag for concurrent callers: without it, a caller whose HEAD answers after the first
    // caller's GET has finished would GET the same manifest again.
    const key = `${project.name}/${name}:${tag}`;
    const running = this.tagChecks.get(key);
    if (running) {
      this.observer.coalesced(project.name, 'manifest');
      return running;
    }
    const check = this.checkTag(project, name, tag, record, cached).finally(() => this.tagChecks.delete(key));
    this.tagChecks.set(key, check);
    return check;
  }

  /** The tag's digest is due a check: HEAD upstream, and GET the manifest only when the digest is not stored. */
  private async checkTag(project: Project, name: RepositoryName, tag: Tag, record: TagRecord | undefined, cached: Manifest | undefined): Promise<Manifest> {
    try {
      const head = await this.upstream(project).send({
        method: 'HEAD', path: `/v2/${name}/manifests/${tag}`, repository: name, headers: { accept: UPSTREAM_ACCEPT },
      });
      await head.body.dump().catch(() => undefined);
      const upstreamDigest = header(head.headers, 'docker-content-digest');
      const known = upstreamDigest && isDigest(upstreamDigest)
        ? (cached?.digest === upstreamDigest ? cached : await this.localManifest(project, name, upstreamDigest))
        : undefined;
      if (known) {
        await this.setTag(project.name, name, tag, { digest: known.digest, checkedAt: this.now() });
        this.observer.hit(project.name, 'manifest');
        return known;
      }
      this.observer.miss(project.name, 'manifest');
      const fresh = await this.fetchManifest(project, name, upstreamDigest && isDigest(upstreamDigest) ? upstreamDigest : tag);
      await this.setTag(project.name, name, tag, { digest: fresh.digest, checkedAt: this.now() });
      return fresh;
    } catch (err) {
      const miss = missKey(project, name, 'manifests', tag);
      this.rememberMiss(err, project, miss);
      return this.onUpstreamFailure(err, project, cached, async () => {
        // The 404 is this check's answer: the kept tag is asked about again at its TTL, not on every pull.
        if (record) await this.setTag(project.name, name, tag, { ...record, upstreamDeleted: true, checkedAt: this.now() });
      }, async () => {
        await this.setTag(project.name, name, tag, undefined);
      }, 'MANIFEST_UNKNOWN', `manifest ${name}:${tag} is not known`, miss);
    }
  }

  private async manifestByDigest(project: Project, name: RepositoryName, digest: Digest): Promise<Manifest> {
    const cached = await this.localManifest(project, name, digest);
    const miss = missKey(project, name, 'manifests', digest);
    // Content by digest never changes: only a project that follows upstream deletes needs to ask again.
    if (cached && (project.keepAfterUpstreamDelete || this.servedStale.has(miss))) {
      this.observer.hit(project.name, 'manifest');
      return cached;
    }
    if (!cached && this.misses.has(miss)) {
      throw new OciError('MANIFEST_UNKNOWN', `manifest ${name}@${digest} is not known`);
    }
    try {
      if (cached) {
        const head = await this.upstream(project).send({ method: 'HEAD', path: `/v2/${name}/manifests/${digest}`, repository: name, headers: { accept: UPSTREAM_ACCEPT } });
        await head.body.dump().catch(() => undefined);
        this.observer.hit(project.name, 'manifest');
        return cached;
      }
      this.observer.miss(project.name, 'manifest');
      return await this.fetchManifest(project, name, digest);
    } catch (err) {
      this.rememberMiss(err, project, miss);
      return this.onUpstreamFailure(err, project, cached, async () => {
        const record = await this.catalog.getManifest(project.name, name, digest);
        if (record) await this.catalog.setManifest(project.name, name, digest, { ...record, upstreamDeleted: true });
      }, async () => {
        await this.catalog.deleteManifest(project.name, name, digest);
      }, 'MANIFEST_UNKNOWN', `manifest ${name}@${digest} is not known`, miss);
    }
  }

  /** Serve stale (and remember so under `staleKey`), follow a delete, or map the upstream error to the protocol. */
  private async onUpstreamFailure<T>(
    err: unknown, project: Project, cached: T | undefined,
    markDeleted: () => Promise<void>, forget: () => Promise<void>,
    unknownCode: 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN', unknownMessage: string, staleKey?: string,
  ): Promise<T> {
    if (!(err instanceof UpstreamError)) throw err;
    if (err.kind === 'not-found') {
      if (cached !== undefined && project.keepAfterUpstreamDelete) {
        await markDeleted();
        this.observer.upstreamDeleted(project.name);
        return cached;
      }
      if (cached !== undefined) await forget();
      throw new OciError(unknownCode, unknownMessage);
    }
    this.observer.upstreamError(project.name, err.message);
    if (cached !== undefined) {
      if (staleKey) this.servedStale.remember(staleKey, Math.min(project.tagTtlMs, STALE_RECHECK_MS));
      return cached;
    }
    throw toOciError(err);
  }

  private async localManifest(project: Project, name: RepositoryName, digest: Digest): Promise<Manifest | undefined> {
    const key = manifestKey(project.name, name, digest);
    // The hot path: known to retention (so not evicted) and in memory — no index read, no disk read.
    const hot = this.usage.get(key) ? this.manifestMemo.get(key) : undefined;
    if (hot) {
      this.usage.touch(key, this.now());
      return hot;
    }
    const record = await this.catalog.getManifest(project.name, name, digest);
    if (!record) return undefined;
    const body = await this.store.read(digest).catch(() => undefined);
    if (!body) return undefined;
    this.usage.touch(key, this.now());
    const manifest = { digest, mediaType: record.mediaType, body };
    this.manifestMemo.set(key, manifest);
    return manifest;
  }

  /** GET a manifest upstream, once for concurrent callers; verifies its digest before storing. */
  private fetchManifest(project: Project, name: RepositoryName, reference: string, accept = UPSTREAM_ACCEPT): Promise<Manifest> {
    const key = `${project.name}/${name}@${reference} ${accept}`;
    const running = this.manifestFetches.get(key);
    if (running) {
      this.observer.coalesced(project.name, 'manifest');
      return running;
    }
    const fetch = this.downloadManifest(project, name, reference, accept).finally(() => this.manifestFetches.delete(key));
    this.manifestFetches.set(key, fetch);
    return fetch;
  }

  private async downloadManifest(project: Project, name: RepositoryName, reference: string, accept: string): Promise<Manifest> {
    const what = `GET /v2/${name}/manifests/${reference}`;
    const res = await this.upstream(project).send({ method: 'GET', path: `/v2/${name}/manifests/${reference}`, repository: name, headers: { accept } });
    const body = await readBody(res, what, MAX_MANIFEST_BYTES, () => new OciError('MANIFEST_INVALID', `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`));
    const claimed = header(res.headers, 'docker-content-digest');
    const digest = isDigest(reference) ? reference : claimed && isDigest(claimed) ? claimed : undefined;
    const algorithmDigest = digest ?? sha256Of(body);
    if (digestOf(digestParts(algorithmDigest).algorithm, body) !== algorithmDigest) {
      throw new OciError('MANIFEST_INVALID', `the upstream sent a manifest that does not match ${algorithmDigest}`, { status: 502 });
    }
    const mediaType = sniffMediaType(body, header(res.headers, 'content-type'));
    if (!(await this.storeVerified(project, algorithmDigest, body))) return { digest: algorithmDigest, mediaType, body };
    const record = { mediaType, size: body.byteLength, references: referencedDigests(body), lastPulled: this.now() };
    await this.catalog.setManifest(project.name, name, algorithmDigest, record);
    const key = manifestKey(project.name, name, algorithmDigest);
    this.manifestMemo.set(key, { digest: algorithmDigest, mediaType, body });
    if (this.usage.add({ key, kind: 'manifest', project: project.name, digest: algorithmDigest, ...record })) {
      this.observer.stored(project.name, body.byteLength);
    }
    return { digest: algorithmDigest, mediaType, body };
  }

  /** Writes verified bytes to the store; false when it is full (they are then served without being cached). */
  private async storeVerified(project: Project, digest: Digest, body: Buffer): Promise<boolean> {
    let writer: BlobWriter | undefined;
    try {
      writer = await this.store.writer(digest, body.byteLength);
      await writer.write(body);
      await writer.commit();
      return true;
    } catch (err) {
      await writer?.abort().catch(() => undefined);
      if (!isStoreFull(err)) throw err;
      this.warn('store full: serving a manifest without caching it', { project: project.name, digest, cause: describeError(err) });
      return false;
    }
  }

  async statBlob(project: Project, name: RepositoryName, digest: Digest): Promise<number> {
    const local = await this.localBlob(project, digest);
    if (local !== undefined) return local;
    const fill = await this.runningFill(project, digest);
    if (fill) {
      const f = await fill;
      if (f.size !== undefined) return f.size;
    }
    const miss = missKey(project, name, 'blobs', digest);
    if (this.misses.has(miss)) throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
    try {
      const res = await this.upstream(project).send({ method: 'HEAD', path: `/v2/${name}/blobs/${digest}`, repository: name });
      await res.body.dump().catch(() => undefined);
      const size = Number(header(res.headers, 'content-length'));
      if (!Number.isFinite(size)) throw new OciError('BLOB_UNKNOWN', 'upstream gave no size', { status: 502 });
      return size;
    } catch (err) {
      this.rememberMiss(err, project, miss);
      if (err instanceof UpstreamError && err.kind === 'not-found') throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
      if (err instanceof UpstreamError) throw toOciError(err);
      throw err;
    }
  }

  /** A blob is served locally only to the project that fetched it (or after the upstream confirmed it to another). */
  private async localBlob(project: Project, digest: Digest): Promise<number | undefined> {
    const key = blobKey(project.name, digest);
    const known = this.usage.get(key);
    if (known) {
      // Retention knows it, so it is stored; if the file went away anyway, opening it fails with ENOENT and the
      // caller fetches again.
      this.usage.touch(key, this.now());
      return known.size;
    }
    const size = await this.store.stat(digest);
    if (size === undefined) return undefined;
    const record = await this.catalog.getBlob(project.name, digest);
    if (!record) return undefined;
    this.usage.touch(blobKey(project.name, digest), this.now());
    return size;
  }

  async openBlob(project: Project, name: RepositoryName, digest: Digest, range?: ByteRange): Promise<BlobBody> {
    const fromStore = await this.openLocal(project, digest, range);
    if (fromStore) return fromStore;
    const running = await this.runningFill(project, digest);
    if (!running && this.misses.has(missKey(project, name, 'blobs', digest))) throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
    if (running) this.observer.coalesced(project.name, 'blob');
    else this.observer.miss(project.name, 'blob');
    const download = await (running ?? this.startBlobFill(project, name, digest));
    const stream = download.reader(range);
    // A download the store had no room for serves one client: one who joined it fetches on its own.
    if (!stream) return this.openBlob(project, name, digest, range);
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
   * A download in flight this project may join: its own, or another project's for a blob this project's index links
   * already (its file is being fetched again). Any other project's download is not this project's to serve, just as
   * that project's stored blob is not (issue 13: protected bytes leaked while they downloaded).
   */
  private async runningFill(project: Project, digest: Digest): Promise<Promise<Download> | undefined> {
    const own = this.blobFills.get(project.name, digest);
    if (own || !this.blobFills.any(digest)) return own;
    const linked = await this.catalog.getBlob(project.name, digest);
    return this.blobFills.get(project.name, digest) ?? (linked ? this.blobFills.any(digest) : undefined);
  }

  /** The stored blob under a lease, or undefined when it is not stored (or was evicted a moment ago). */
  private async openLocal(project: Project, digest: Digest, range: ByteRange | undefined): Promise<BlobBody | undefined> {
    const release = this.inUse.acquire(digest);
    try {
      const local = await this.localBlob(project, digest);
      if (local === undefined) {
        release();
        return undefined;
      }
      checkRange(range, local);
      const stream = await this.store.open(digest, range);
      stream.once('close', release);
      this.observer.hit(project.name, 'blob');
      return { size: range ? range.end - range.start + 1 : local, source: 'cache', stream };
    } catch (err) {
      release();
      if (isNotStored(err)) return undefined;
      throw err;
    }
  }

  private startBlobFill(project: Project, name: RepositoryName, digest: Digest): Promise<Download> {
    const release = this.inUse.acquire(digest);
    const forget = () => this.blobFills.delete(project.name, digest, starting);
    const starting: Promise<Download> = (async () => {
      let res;
      try {
        res = await this.upstream(project).send({ method: 'GET', path: `/v2/${name}/blobs/${digest}`, repository: name });
      } catch (err) {
        this.rememberMiss(err, project, missKey(project, name, 'blobs', digest));
        if (err instanceof UpstreamError && err.kind === 'not-found') throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
        if (err instanceof UpstreamError) {
          this.observer.upstreamError(project.name, err.message);
          throw toOciError(err);
        }
        throw err;
      }
      const lengthHeader = header(res.headers, 'content-length');
      const size = lengthHeader === undefined ? undefined : Number(lengthHeader);
      let writer: BlobWriter;
      try {
        writer = await this.store.writer(digest, size);
      } catch (err) {
        if (!isStoreFull(err)) {
          res.body.destroy();
          throw err;
        }
        this.warn('store full: serving a blob without caching it', { project: project.name, digest, size, cause: describeError(err) });
        forget();
        return new Passthrough(res.body, digest, size, release);
      }
      let fill: Fill;
      try {
        fill = await Fill.start(writer, size, res.body, forget);
      } catch (err) {
        res.body.destroy();
        await writer.abort().catch(() => undefined);
        throw err;
      }
      fill.done.then(
        () => this.linkBlob(project, digest, writer.written),
        (err: Error) => this.downloadFailed(project, digest, err),
      ).finally(release).catch(() => undefined);
      return fill;
    })();
    this.blobFills.set(project.name, digest, starting);
    starting.catch(() => {
      release();
      this.blobFills.delete(project.name, digest, starting);
    });
    return starting;
  }

  /**
   * A blob download that failed once its clients had their headers: they see only a broken connection, so the cause
   * goes to the log (and, when the upstream failed, to the stats).
   */
  private downloadFailed(project: Project, digest: Digest, err: Error): void {
    if (isStoreFull(err)) {
      this.warn('store full: a blob download was dropped', { project: project.name, digest, cause: describeError(err) });
      return;
    }
    this.observer.upstreamError(project.name, `blob ${digest}: ${err.message}`);
    this.warn('blob download failed', { project: project.name, digest, cause: describeError(err) });
  }

  private async linkBlob(project: Project, digest: Digest, size: number): Promise<void> {
    const lastPulled = this.now();
    await this.catalog.setBlob(project.name, digest, { size, lastPulled });
    if (this.usage.add({ key: blobKey(project.name, digest), kind: 'blob', project: project.name, digest, size, references: [], lastPulled })) {
      this.observer.stored(project.name, size);
    }
  }

  /** The upstream's tag list (kept in the catalog); the kept list when the upstream fails or deleted the repository. */
  async tags(project: Project, name: RepositoryName): Promise<string[]> {
    const miss = missKey(project, name, 'tags', 'list');
    const remembered = this.misses.has(miss);
    try {
      if (remembered) throw new UpstreamError('not-found', `tags of ${name}: a remembered upstream 404`);
      const what = `GET /v2/${name}/tags/list`;
      const res = await this.upstream(project).send({ method: 'GET', path: `/v2/${name}/tags/list`, repository: name });
      const doc = (await readJson(res, what, MAX_TAG_LIST_BYTES, () => new UpstreamError('invalid', `${what}: larger than ${MAX_TAG_LIST_BYTES} bytes`))) as { tags?: unknown } | null;
      const tags = Array.isArray(doc?.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
      await this.catalog.setTagList(project.name, name, tags);
      return tags;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (!remembered) this.rememberMiss(err, project, miss);
      const kept = err.kind !== 'not-found' || project.keepAfterUpstreamDelete ? await this.catalog.getTagList(project.name, name) : undefined;
      if (kept) return kept;
      if (err.kind === 'not-found') throw new OciError('NAME_UNKNOWN', `repository ${name} is not known`);
      this.observer.upstreamError(project.name, err.message);
      throw toOciError(err);
    }
  }

  async referrers(project: Project, name: RepositoryName, digest: Digest): Promise<Buffer | undefined> {
    try {
      const res = await this.upstream(project).send({ method: 'GET', path: `/v2/${name}/referrers/${digest}`, repository: name });
      return Buffer.from(await res.body.arrayBuffer());
    } catch {
      // Registries without the referrers API (distribution 2.x) answer 404: an empty index is the spec's fallback.
      return undefined;
    }
  }

  private async getTag(project: string, name: string, tag: string): Promise<TagRecord | undefined> {
    const key = `${project}/${name}:${tag}`;
    const hot = this.tagMemo.get(key);
    if (hot) return hot;
    const record = await this.catalog.getTag(project, name, tag);
    if (record) this.tagMemo.set(key, record);
    return record;
  }

  /** Writes through to the catalog; `undefined` forgets the tag. */
  private async setTag(project: string, name: string, tag: string, record: TagRecord | undefined): Promise<void> {
    const key = `${project}/${name}:${tag}`;
    if (record) {
      this.tagMemo.set(key, record);
      await this.catalog.setTag(project, name, tag, record);
    } else {
      this.tagMemo.delete(key);
      await this.catalog.deleteTag(project, name, tag);
    }
  }

  /** An upstream 404 is remembered for the project's notFoundTTL. */
  private rememberMiss(err: unknown, project: Project, key: string): void {
    if (err instanceof UpstreamError && err.kind === 'not-found') this.misses.remember(key, project.notFoundTtlMs);
  }

  private upstream(project: Project): Upstream {
    const client = this.upstreams.get(project.name);
    if (!client) throw new Error(`no upstream for project ${project.name}`);
    return client;
  }
}

function missKey(project: Project, name: RepositoryName, kind: 'manifests' | 'blobs' | 'tags', reference: string): string {
  return `${project.name}/${name}/${kind}/${reference}`;
}

function checkRange(range: ByteRange | undefined, size: number): void {
  if (range && (range.start > range.end || range.end >= size)) {
    throw new OciError('RANGE_INVALID', `range ${range.start}-${range.end} is outside 0-${size - 1}`, { headers: { 'content-range': `bytes */${size}` } });
  }
}

export function toOciError(err: UpstreamError): OciError {
  // The client gets a fixed message; the upstream's own (which names its request) goes to the log as the cause.
  const cause = { cause: err };
  switch (err.kind) {
    case 'rate-limited':
      return new OciError('TOOMANYREQUESTS', 'the upstream registry is rate limiting; nothing cached to serve', {
        headers: err.retryAfter ? { 'retry-after': err.retryAfter } : {}, ...cause,
      });
    case 'unauthorized':
      return new OciError('UNAUTHORIZED', 'the upstream registry refused the proxy\'s credentials', { status: 502, ...cause });
    case 'denied':
      return new OciError('DENIED', 'the upstream registry denied access', cause);
    case 'not-found':
      return new OciError('NAME_UNKNOWN', 'not known upstream', cause);
    default:
      return new OciError('UPSTREAM_UNAVAILABLE', 'the upstream registry is unavailable and nothing is cached', { status: err.status === 503 ? 503 : 502, ...cause });
  }
}
