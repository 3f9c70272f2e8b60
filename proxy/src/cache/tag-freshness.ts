// Manifests by tag: a tag is trusted for the project's tagTTL, then checked with one HEAD upstream (shared by every
// concurrent caller), and its manifest fetched only when the digest it names is not stored.
import type { TagRecord } from '../index/catalog.ts';
import { UPSTREAM_ACCEPT } from '../oci/mediatypes.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { missKey, rememberMiss, type CacheContext } from './context.ts';
import { manifestUnknown, type Manifests } from './manifests.ts';
import { SingleFlight } from './single-flight.ts';
import { TagRecords } from './tag-records.ts';
import type { Manifest } from './types.ts';
import { onUpstreamFailure } from './upstream-failure.ts';

export class TagFreshness {
  /** Tag checks upstream in progress, by project/name:tag. */
  private readonly checks = new SingleFlight<Manifest>();
  private readonly records: TagRecords;

  constructor(private readonly ctx: CacheContext, private readonly manifests: Manifests) {
    this.records = new TagRecords(ctx.catalog);
  }

  /**
   * The warm path, without an await: the manifest the tag names when memory has the tag's record and the manifest and
   * the tag is within its TTL, counted as a hit; undefined otherwise (then `byTag`).
   */
  hot(project: Project, name: RepositoryName, tag: Tag): Manifest | undefined {
    const record = this.records.hot(project.name, name, tag);
    if (!record || record.checkedAt + project.tagTtlMs <= this.ctx.now()) return undefined;
    const manifest = this.manifests.inMemory(project, name, record.digest);
    if (manifest) this.ctx.observer.hit(project.name, 'manifest');
    return manifest;
  }

  /** Rejects with OciError MANIFEST_UNKNOWN or MANIFEST_INVALID, or UpstreamError when nothing is stored. */
  async byTag(project: Project, name: RepositoryName, tag: Tag): Promise<Manifest> {
    const { ctx } = this;
    const record = await this.records.get(project.name, name, tag);
    const cached = record ? await this.manifests.local(project, name, record.digest) : undefined;
    const miss = missKey(project, name, 'manifests', tag);
    if (record && cached && (record.checkedAt + project.tagTtlMs > ctx.now() || ctx.servedStale.has(miss))) {
      ctx.observer.hit(project.name, 'manifest');
      return cached;
    }
    if (!cached && ctx.misses.has(miss)) throw manifestUnknown(name, tag);
    // One upstream check per tag for concurrent callers: without it, a caller whose HEAD answers after the first
    // caller's GET has finished would GET the same manifest again.
    return this.checks.run(
      `${project.name}/${name}:${tag}`,
      () => this.check(project, name, tag, record, cached),
      () => ctx.observer.coalesced(project.name, 'manifest'),
    );
  }

  /**
   * The tag's digest is due a check: HEAD upstream, and GET the manifest only when the digest is not stored. A tag
   * this project has no record of is fetched with a GET alone, as when a HEAD names no digest: the HEAD could only
   * spare that GET when another tag or a pull by digest stored the same manifest, and it cost every first pull of a
   * tag a round trip to the upstream (skopeo's manifest GET through a fresh proxy on loopback: 34–36 ms with it,
   * 18–27 without). Replicas sharing a store keep the HEAD: a tag is not leased, so each would GET it, where a HEAD
   * (which Docker Hub does not count against its pull limit) leaves one leased GET.
   */
  private async check(project: Project, name: RepositoryName, tag: Tag, record: TagRecord | undefined, cached: Manifest | undefined): Promise<Manifest> {
    const { ctx } = this;
    try {
      const upstreamDigest = record || ctx.fills.shared ? await ctx.upstream(project).headManifest(name, tag, UPSTREAM_ACCEPT) : undefined;
      const known = upstreamDigest
        ? (cached?.digest === upstreamDigest ? cached : await this.manifests.local(project, name, upstreamDigest))
        : undefined;
      if (known) {
        await this.records.set(project.name, name, tag, { digest: known.digest, checkedAt: ctx.now() });
        ctx.observer.hit(project.name, 'manifest');
        return known;
      }
      ctx.observer.miss(project.name, 'manifest');
      const fresh = await this.manifests.fetch(project, name, upstreamDigest ?? tag);
      await this.records.set(project.name, name, tag, { digest: fresh.digest, checkedAt: ctx.now() });
      return fresh;
    } catch (err) {
      const miss = missKey(project, name, 'manifests', tag);
      rememberMiss(ctx, err, project, miss);
      return onUpstreamFailure(ctx, err, project, {
        cached,
        // The 404 is this check's answer: the kept tag is asked about again at its TTL, not on every pull.
        markDeleted: async () => {
          if (record) await this.records.set(project.name, name, tag, { ...record, upstreamDeleted: true, checkedAt: ctx.now() });
        },
        forget: () => this.records.set(project.name, name, tag, undefined),
        unknown: () => manifestUnknown(name, tag),
        staleKey: miss,
      });
    }
  }
}
