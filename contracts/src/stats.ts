// The body of the proxy's `GET /_berth/stats` (contract 3): what the operator reads into a project's status.cache.

/** A project's (or the whole proxy's) cache figures. */
export interface CacheCounts {
  artifacts: number;
  bytes: number;
  hits: number;
  misses: number;
  upstreamDeleted: number;
  lastUpstreamError: { time: string; message: string } | null;
}

/** The body of `GET /_berth/stats`: the totals, and the same figures per project. */
export type ProxyStats = CacheCounts & { projects: Record<string, CacheCounts> };
