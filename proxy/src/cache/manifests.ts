// Manifests by digest: from memory, from the store, or fetched upstream once for concurrent callers, verified and
// stored. Content by digest never changes, so only a project that follows upstream deletes asks the upstream again.
import { manifestKey } from '../index/keys.ts';
import { digestOf, digestParts, isDigest, sha256Of, type Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import { UPSTREAM_ACCEPT, referencedDigests, sniffMediaType } from '../oci/mediatypes.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { isStoreFull, type BlobWriter } from '../store/blobstore.ts';
import { describeError, ManifestTooLarge, UpstreamError } from '../upstream/errors.ts';
import { Memo } from '../util/memo.ts';
import { missKey, rememberMiss, type CacheContext } from './context.ts';
import { SingleFlight } from './single-flight.ts';
import type { Manifest } from './types.ts';
import { onUpstreamFailure } from './upstream-failure.ts';

export class Manifests {
  private readonly fetches = new SingleFlight<Manifest>();
  /** Hot manifests by catalog key. */
  private readonly memo = new Memo<Manifest>(32 * 1024 * 1024, (m) => m.body.byteLength + 256);

  constructor(private readonly ctx: CacheContext) {}

  /**
   * The warm path, without an await: the manifest from memory for a project that keeps what its upstream deleted (so
   * no upstream is asked), counted as a hit; undefined otherwise (then `byDigest`).
   */
  hot(project: Project, name: RepositoryName, digest: Digest): Manifest | undefined {
    if (!project.keepAfterUpstreamDelete) return undefined;
    const manifest = this.inMemory(project, name, digest);
    if (manifest) this.ctx.observer.hit(project.name, 'manifest');
    return manifest;
  }

  /** Rejects with OciError MANIFEST_UNKNOWN or MANIFEST_INVALID, or UpstreamError when nothing is stored. */
  async byDigest(project: Project, name: RepositoryName, digest: Digest): Promise<Manifest> {
    const { ctx } = this;
    const cached = await this.local(project, name, digest);
    const miss = missKey(project, name, 'manifests', digest);
    if (cached && (project.keepAfterUpstreamDelete || ctx.servedStale.has(miss))) {
      ctx.observer.hit(project.name, 'manifest');
      return cached;
    }
    if (!cached && ctx.misses.has(miss)) throw manifestUnknown(name, digest);
    try {
      if (cached) {
        // Only to learn whether the upstream still has it (a 404 is followed below).
        await ctx.upstream(project).headManifest(name, digest, UPSTREAM_ACCEPT);
        ctx.observer.hit(project.name, 'manifest');
        return cached;
      }
      ctx.observer.miss(project.name, 'manifest');
      return await this.fetch(project, name, digest);
    } catch (err) {
      rememberMiss(ctx, err, project, miss);
      return onUpstreamFailure(ctx, err, project, {
        cached,
        markDeleted: async () => {
          const record = await ctx.catalog.getManifest(project.name, name, digest);
          if (record) await ctx.catalog.setManifest(project.name, name, digest, { ...record, upstreamDeleted: true });
        },
        forget: () => ctx.catalog.deleteManifest(project.name, name, digest),
        unknown: () => manifestUnknown(name, digest),
        staleKey: miss,
      });
    }
  }

  /**
   * The client accepts none of the stored type: ask the upstream with the client's Accept (it may hold or convert
   * to another type). Offline, or still no acceptable type: MANIFEST_UNKNOWN, as the spec says.
   */
  async negotiate(project: Project, name: RepositoryName, reference: Tag | Digest, accept: readonly string[]): Promise<Manifest> {
    let other: Manifest | undefined;
    try {
      other = await this.fetch(project, name, reference, accept.join(', '));
    } catch (err) {
      if (!(err instanceof UpstreamError) && !(err instanceof OciError) && !(err instanceof ManifestTooLarge)) throw err;
    }
    if (other && accept.includes(other.mediaType)) return other;
    throw new OciError('MANIFEST_UNKNOWN', `manifest ${name}${isDigest(reference) ? '@' : ':'}${reference} is not available as ${accept.join(', ')}`);
  }

  /** The stored manifest, or undefined when this project's catalog does not hold it (or its file is gone). */
  async local(project: Project, name: RepositoryName, digest: Digest): Promise<Manifest | undefined> {
    const { ctx } = this;
    const hot = this.inMemory(project, name, digest);
    if (hot) return hot;
    const key = manifestKey(project.name, name, digest);
    const record = await ctx.catalog.getManifest(project.name, name, digest);
    if (!record) return undefined;
    const body = await ctx.store.read(digest).catch(() => undefined);
    if (!body) return undefined;
    // Stored by another replica sharing the index (or known here already).
    ctx.usage.adopt({ key, kind: 'manifest', project: project.name, digest, size: record.size, references: record.references, lastPulled: ctx.now() });
    ctx.usage.touch(key, ctx.now());
    const manifest = { digest, mediaType: record.mediaType, body };
    this.memo.set(key, manifest);
    return manifest;
  }

  /**
   * The manifest from memory while retention knows it (so it was not evicted), its last pull noted; undefined when it
   * is not in memory (the catalog and the store may still hold it: `local`). No index read, no disk read.
   */
  inMemory(project: Project, name: RepositoryName, digest: Digest): Manifest | undefined {
    const { ctx } = this;
    const key = manifestKey(project.name, name, digest);
    const hot = ctx.usage.get(key) ? this.memo.get(key) : undefined;
    if (hot) ctx.usage.touch(key, ctx.now());
    return hot;
  }

  /**
   * GETs a manifest upstream, once for concurrent callers; verifies its digest before storing. Rejects with
   * UpstreamError, ManifestTooLarge, or OciError MANIFEST_INVALID (502) when the bytes do not match the digest.
   */
  fetch(project: Project, name: RepositoryName, reference: Tag | Digest, accept = UPSTREAM_ACCEPT): Promise<Manifest> {
    return this.fetches.run(
      `${project.name}/${name}@${reference} ${accept}`,
      () => this.download(project, name, reference, accept),
      () => this.ctx.observer.coalesced(project.name, 'manifest'),
    );
  }

  /**
   * A manifest by digest is fetched by one replica of those sharing the store (fill-leases.ts); the others serve
   * what it stored. A tag names no content until the upstream answers, so each replica asks for tags itself.
   */
  private async download(project: Project, name: RepositoryName, reference: Tag | Digest, accept: string): Promise<Manifest> {
    if (!isDigest(reference)) return this.downloadOnce(project, name, reference, accept);
    let stored: Manifest | undefined;
    const claim = await this.ctx.fills.claim(manifestKey(project.name, name, reference), { project: project.name, kind: 'manifest' }, async () => {
      stored = await this.local(project, name, reference);
      return stored !== undefined;
    });
    if (!claim && stored) return stored;
    try {
      return await this.downloadOnce(project, name, reference, accept);
    } finally {
      await claim?.release().catch(() => undefined);
    }
  }

  private async downloadOnce(project: Project, name: RepositoryName, reference: Tag | Digest, accept: string): Promise<Manifest> {
    const { ctx } = this;
    const answer = await ctx.upstream(project).getManifest(name, reference, accept);
    const { body } = answer;
    const digest = isDigest(reference) ? reference : answer.digest ?? sha256Of(body);
    if (digestOf(digestParts(digest).algorithm, body) !== digest) {
      throw new OciError('MANIFEST_INVALID', `the upstream sent a manifest that does not match ${digest}`, { status: 502 });
    }
    const mediaType = sniffMediaType(body, answer.contentType);
    const manifest = { digest, mediaType, body };
    if (!(await this.storeVerified(project, digest, body))) return manifest;
    const record = { mediaType, size: body.byteLength, references: referencedDigests(body), lastPulled: ctx.now() };
    await ctx.catalog.setManifest(project.name, name, digest, record);
    const key = manifestKey(project.name, name, digest);
    this.memo.set(key, manifest);
    if (ctx.usage.add({ key, kind: 'manifest', project: project.name, digest, ...record })) {
      ctx.observer.stored(project.name, body.byteLength);
    }
    return manifest;
  }

  /** Writes verified bytes to the store; false when it is full (they are then served without being cached). */
  private async storeVerified(project: Project, digest: Digest, body: Buffer): Promise<boolean> {
    let writer: BlobWriter | undefined;
    try {
      writer = await this.ctx.store.writer(digest, body.byteLength);
      await writer.write(body);
      await writer.commit();
      return true;
    } catch (err) {
      await writer?.abort().catch(() => undefined);
      if (!isStoreFull(err)) throw err;
      this.ctx.warn('store full: serving a manifest without caching it', { project: project.name, digest, cause: describeError(err) });
      return false;
    }
  }
}

export function manifestUnknown(name: RepositoryName, reference: Tag | Digest): OciError {
  return new OciError('MANIFEST_UNKNOWN', `manifest ${name}${isDigest(reference) ? '@' : ':'}${reference} is not known`);
}
