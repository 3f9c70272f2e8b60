// The body of the proxy's `GET /_berth/stats` (contract 3): what the operator reads into a project's status.cache.

/** A project's (or the whole proxy's) cache figures. */
export interface CacheCounts {
  artifacts: number;
  bytes: number;
  hits: number;
  misses: number;
  upstreamDeleted: number;
  lastUpstreamError: { time: string; message: string } | null;
  /** What the index holds (absent until the proxy has read it once): lasts across restarts, unlike the counters. */
  index?: IndexSummary;
}

/** What is cached, read from the proxy's index (not the volume): a few figures small enough for a status. */
export interface IndexSummary {
  /** Repositories with at least one cached manifest. */
  repositories: number;
  /** Images (`repository@digest`, marked so or named by a tag marked so) the upstream no longer has, still served. */
  keptAfterUpstreamDelete: number;
  /** The largest repositories: their manifests and the layers they reference (a layer shared by two counts in both). */
  topRepositories: { name: string; bytes: number }[];
  /** When the index was read. */
  time: string;
}

/**
 * Whose `artifacts` and `bytes` a stats document gives: `replica`, what this proxy stored (its own store and index);
 * `cache`, the whole cache's, read from the index the replicas share (`index.redis`): the same on every replica.
 * The other figures (hits, misses, errors) are always this replica's.
 */
export type StoredScope = 'replica' | 'cache';

/** The body of `GET /_berth/stats`: the totals, and the same figures per project. */
export type ProxyStats = CacheCounts & {
  projects: Record<string, CacheCounts>;
  /** Absent from proxies older than this field, whose figures are their own (`replica`). */
  stored?: StoredScope;
};
