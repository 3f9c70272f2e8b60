// The proxy's cache figures (contract 3: GET /_berth/stats), fetched for a project's status. Injectable: the
// reconciler takes any StatsFetcher, so tests and out-of-cluster runs can supply their own.
import type { CacheCounts, ProxyStats as ProxyStatsBody } from '@berth/contracts/stats';
import type { ProxyCacheProject, ProxyCacheProjectStatus } from '../api/index.ts';
import { proxyProjectName } from '../children/names.ts';

/** The totals of the proxy's stats are what a project of its own needs; a member of a shared cache reads its part. */
export type ProxyStats = CacheCounts;

/** Fetches the stats of the proxy at `baseUrl`; rejects when it cannot. */
export type StatsFetcher = (baseUrl: string) => Promise<ProxyStats>;

export const httpStatsFetcher: StatsFetcher = async (baseUrl) => {
  const res = await fetch(`${baseUrl}/_berth/stats`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET /_berth/stats: HTTP ${res.status}`);
  }
  return (await res.json()) as ProxyStats;
};

/** A shared cache's member shows its own figures, not those of every project the proxy serves. */
export function memberStats(stats: ProxyStats, project: ProxyCacheProject): ProxyStats {
  if (!project.spec.sharedCache) return stats;
  return (stats as Partial<ProxyStatsBody>).projects?.[proxyProjectName(project)] ?? stats;
}

const UNITS = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];

/** Bytes as a short Kubernetes-style quantity: 1288490189 → 1.2Gi. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  let value = bytes;
  let unit = '';
  for (const u of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10}${unit}`;
}

export function cacheStatus(stats: ProxyStats, now: Date): NonNullable<ProxyCacheProjectStatus['cache']> {
  const lookups = stats.hits + stats.misses;
  return {
    artifacts: stats.artifacts,
    bytes: stats.bytes,
    size: humanBytes(stats.bytes),
    hits: stats.hits,
    misses: stats.misses,
    hitPercent: lookups ? Math.round((stats.hits / lookups) * 100) : 0,
    upstreamDeleted: stats.upstreamDeleted,
    ...(stats.index ? {
      repositories: stats.index.repositories,
      keptAfterUpstreamDelete: stats.index.keptAfterUpstreamDelete,
      topRepositories: stats.index.topRepositories.slice(0, 5).map((r) => ({ name: r.name.slice(0, 256), bytes: r.bytes, size: humanBytes(r.bytes) })),
    } : {}),
    ...(stats.lastUpstreamError ? { lastUpstreamError: `${stats.lastUpstreamError.time}: ${stats.lastUpstreamError.message}`.slice(0, 512) } : {}),
    updateTime: now.toISOString(),
  };
}
