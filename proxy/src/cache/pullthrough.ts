// The pull-through cache: the ArtifactService the HTTP handlers call, as a decorator over the store, the catalog and
// the project's upstream registry. Serves from the local store, fetches from the upstream on a miss (once for any
// number of concurrent callers), checks tags after their TTL with a HEAD, keeps serving what it has when the
// upstream deleted it (unless the project says otherwise) or is down. Each concern has its own file:
//   tag-freshness.ts  manifests by tag        manifests.ts  manifests by digest, fetched and verified
//   blobs.ts          blobs, one download each tag-lists.ts tags/list        upstream-failure.ts serve stale or not
// Upstream failures leave as UpstreamError: which protocol error a client sees is the HTTP layer's choice.
import type { Catalog } from '../index/catalog.ts';
import { isDigest, type Digest } from '../oci/digest.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { UsageIndex } from '../retention/usage.ts';
import type { BlobStore, ByteRange } from '../store/blobstore.ts';
import type { UpstreamRegistry } from '../upstream/registry.ts';
import { Blobs, PRESIGNED_URL_SECONDS } from './blobs.ts';
import type { CacheContext, Warn } from './context.ts';
import { LOCAL_FILLS, type FillLeases } from './fill-leases.ts';
import { InUse } from './inuse.ts';
import { Manifests } from './manifests.ts';
import { Misses } from './misses.ts';
import { NO_OBSERVER, type CacheObserver } from './observer.ts';
import { TagFreshness } from './tag-freshness.ts';
import { TagLists } from './tag-lists.ts';
import type { ArtifactService, BlobBody, Manifest } from './types.ts';

export interface PullThroughOptions {
  store: BlobStore;
  catalog: Catalog;
  /** Each project's upstream, by project name. */
  upstreams: ReadonlyMap<string, UpstreamRegistry>;
  observer?: CacheObserver;
  /** Last-pulled order and sizes for retention; pulls are recorded here, in memory, not in the catalog. */
  usage?: UsageIndex;
  /** Leases on digests being downloaded or streamed, which retention leaves alone. */
  inUse?: InUse;
  /** One upstream fetch across the replicas sharing the store; default: this replica alone. */
  fills?: FillLeases;
  now?: () => number;
  /** How long a presigned URL of a redirected blob works; default 120 s (PRESIGNED_URL_SECONDS). */
  presignedUrlSeconds?: number;
  /** Where problems no client hears of go (a download that failed after its headers, a full store): the log. */
  warn?: Warn;
}

export class PullThrough implements ArtifactService {
  private readonly ctx: CacheContext;
  private readonly manifests: Manifests;
  private readonly tagged: TagFreshness;
  private readonly blobs: Blobs;
  private readonly tagLists: TagLists;

  constructor(opts: PullThroughOptions) {
    const now = opts.now ?? Date.now;
    const { upstreams } = opts;
    this.ctx = {
      store: opts.store,
      catalog: opts.catalog,
      observer: opts.observer ?? NO_OBSERVER,
      usage: opts.usage ?? new UsageIndex(),
      inUse: opts.inUse ?? new InUse(),
      fills: opts.fills ?? LOCAL_FILLS,
      now,
      presignedUrlSeconds: opts.presignedUrlSeconds ?? PRESIGNED_URL_SECONDS,
      warn: opts.warn ?? (() => undefined),
      misses: new Misses(now),
      servedStale: new Misses(now),
      upstream(project) {
        const upstream = upstreams.get(project.name);
        if (!upstream) throw new Error(`no upstream for project ${project.name}`);
        return upstream;
      },
    };
    this.manifests = new Manifests(this.ctx);
    this.tagged = new TagFreshness(this.ctx, this.manifests);
    this.blobs = new Blobs(this.ctx);
    this.tagLists = new TagLists(this.ctx);
  }

  async getManifest(project: Project, name: RepositoryName, reference: Tag | Digest, accept?: readonly string[]): Promise<Manifest> {
    // Memory first, without an await (a warm GET is answered from there); else the store, the index, the upstream.
    const manifest = isDigest(reference)
      ? (this.manifests.hot(project, name, reference) ?? (await this.manifests.byDigest(project, name, reference)))
      : (this.tagged.hot(project, name, reference) ?? (await this.tagged.byTag(project, name, reference)));
    if (!accept || accept.includes(manifest.mediaType)) return manifest;
    return this.manifests.negotiate(project, name, reference, accept);
  }

  statBlob(project: Project, name: RepositoryName, digest: Digest): Promise<number> {
    return this.blobs.stat(project, name, digest);
  }

  locateBlob(project: Project, _name: RepositoryName, digest: Digest): Promise<string | undefined> {
    return this.blobs.locate(project, digest);
  }

  openBlob(project: Project, name: RepositoryName, digest: Digest, range?: ByteRange): Promise<BlobBody> {
    return this.blobs.open(project, name, digest, range);
  }

  /** Resolves once every blob download started so far is stored and linked, or has failed: what a stop waits for. */
  settled(): Promise<void> {
    return this.blobs.settled();
  }

  tags(project: Project, name: RepositoryName): Promise<string[]> {
    return this.tagLists.get(project, name);
  }

  async referrers(project: Project, name: RepositoryName, digest: Digest): Promise<Buffer | undefined> {
    try {
      return await this.ctx.upstream(project).referrers(name, digest);
    } catch {
      // Registries without the referrers API (distribution 2.x) answer 404: an empty index is the spec's fallback.
      return undefined;
    }
  }
}
