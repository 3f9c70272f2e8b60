// What every part of the pull-through shares: the seams it decorates (store, catalog, upstreams), what it reports to,
// and the memory of upstream misses and outages. Built once by PullThrough; the parts only read it.
import type { Catalog } from '../index/catalog.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { Project } from '../project.ts';
import type { UsageIndex } from '../retention/usage.ts';
import type { BlobStore } from '../store/blobstore.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { UpstreamRegistry } from '../upstream/registry.ts';
import type { FillLeases } from './fill-leases.ts';
import type { InUse } from './inuse.ts';
import type { Misses } from './misses.ts';
import type { CacheObserver } from './observer.ts';

export type Warn = (message: string, fields: Record<string, unknown>) => void;

export interface CacheContext {
  readonly store: BlobStore;
  readonly catalog: Catalog;
  readonly observer: CacheObserver;
  /** Last-pulled order and sizes for retention; pulls are recorded here, in memory, not in the catalog. */
  readonly usage: UsageIndex;
  /** Leases on digests being downloaded or streamed, which retention leaves alone. */
  readonly inUse: InUse;
  /** Who of the replicas sharing the store fetches what (fill-leases.ts); LOCAL_FILLS for a replica alone. */
  readonly fills: FillLeases;
  readonly now: () => number;
  /** How long a presigned URL of a redirected blob works, and so how long the blob stays marked in use after. */
  readonly presignedUrlSeconds: number;
  /** Where problems no client hears of go (a download that failed after its headers, a full store): the log. */
  readonly warn: Warn;
  /** Upstream 404s remembered for the project's notFoundTTL, consulted only when nothing is stored. */
  readonly misses: Misses;
  /**
   * Tags and digests served stale because the upstream failed (down, 5xx, 429, timeout): not asked about again for
   * STALE_RECHECK_MS (or the tag's TTL when shorter), so an outage costs one upstream wait per period instead of
   * one per pull — a stalled upstream would otherwise hold every pull of a cached tag for the whole deadline.
   */
  readonly servedStale: Misses;
  /** The project's upstream registry. */
  upstream(project: Project): UpstreamRegistry;
}

/** The key of a remembered miss or outage. */
export function missKey(project: Project, name: RepositoryName, kind: 'manifests' | 'blobs' | 'tags', reference: string): string {
  return `${project.name}/${name}/${kind}/${reference}`;
}

/** An upstream 404 is remembered for the project's notFoundTTL. */
export function rememberMiss(ctx: CacheContext, err: unknown, project: Project, key: string): void {
  if (err instanceof UpstreamError && err.kind === 'not-found') ctx.misses.remember(key, project.notFoundTtlMs);
}
