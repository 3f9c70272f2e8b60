// What is cached, per project, summarized from the index for `/_berth/stats` (and so for the project's status): how
// many repositories, how many manifests are kept after the upstream deleted them, and the largest repositories.
// Reading the index is one scan of every record, so it is not done per stats request: the last summary is served
// at once, and a new one is read in the background (one read at a time) when the cache stored or evicted something
// and the summary is `minAgeMs` old, or in any case once it is `maxAgeMs` old (another replica may have written).
import type { IndexSummary, ProxyStats } from '@berth/contracts/stats';
import type { CacheObserver } from '../cache/observer.ts';
import type { CatalogArtifact, CatalogTag } from './catalog.ts';

export interface IndexSummariesOptions {
  /** Every manifest, blob and tag record (Catalog.records). */
  records: () => AsyncIterable<CatalogArtifact | CatalogTag>;
  /** A summary this old is read again at the next stats request after a change; default 5 s. */
  minAgeMs?: number;
  /** A summary this old is read again at the next stats request in any case; default 5 min. */
  maxAgeMs?: number;
  /** How many of the largest repositories are named; default 5. */
  top?: number;
  onError: (err: Error) => void;
  now?: () => number;
}

interface Summaries {
  at: number;
  total: IndexSummary;
  projects: Map<string, IndexSummary>;
}

export class IndexSummaries {
  private last: Summaries | undefined;
  private reading: Promise<void> | undefined;
  /** Set when the cache changed after the last read began. */
  private changed = false;

  constructor(private readonly options: IndexSummariesOptions) {}

  /** Reads the index now (at start, and in tests); resolves when the new summary is in place. */
  refresh(): Promise<void> {
    this.reading ??= this.read()
      .catch((err: Error) => this.options.onError(err))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** Resolves when no read is in progress (tests wait on it). */
  async idle(): Promise<void> {
    await this.reading;
  }

  /** The stats with the last summary added (none until the first read ended); starts a new read when it is old. */
  addTo(stats: ProxyStats): ProxyStats {
    const age = this.last ? (this.options.now ?? Date.now)() - this.last.at : Infinity;
    if (age >= (this.changed ? this.options.minAgeMs ?? 5_000 : this.options.maxAgeMs ?? 300_000)) void this.refresh();
    const last = this.last;
    if (!last) return stats;
    const projects = Object.fromEntries(Object.entries(stats.projects).map(([name, counts]) => {
      const index = last.projects.get(name) ?? emptySummary(last.total.time);
      return [name, { ...counts, index }];
    }));
    return { ...stats, index: last.total, projects };
  }

  /** The observer the cache reports to: a store or an eviction marks the summary as changed, then forwards. */
  observing(inner: CacheObserver): CacheObserver {
    return {
      hit: (project, kind) => inner.hit(project, kind),
      miss: (project, kind) => inner.miss(project, kind),
      coalesced: (project, kind) => inner.coalesced(project, kind),
      upstreamDeleted: (project) => ((this.changed = true), inner.upstreamDeleted(project)),
      upstreamError: (project, message) => inner.upstreamError(project, message),
      stored: (project, bytes) => ((this.changed = true), inner.stored(project, bytes)),
      evicted: (project, bytes) => ((this.changed = true), inner.evicted(project, bytes)),
    };
  }

  private async read(): Promise<void> {
    const at = (this.options.now ?? Date.now)();
    this.changed = false;
    const { total, projects } = await summarize(this.options.records(), this.options.top ?? 5, new Date(at).toISOString());
    this.last = { at, total, projects };
  }
}

function emptySummary(time: string): IndexSummary {
  return { repositories: 0, keptAfterUpstreamDelete: 0, topRepositories: [], time };
}

/**
 * One pass over the records: a repository's bytes are its manifests and the blobs they reference, each digest once
 * per repository. The total names repositories as `<project>/<repository>` when the index holds several projects
 * (a proxy the operator runs has one: its total is the project's summary).
 */
export async function summarize(records: AsyncIterable<CatalogArtifact | CatalogTag>, top: number, time: string): Promise<{ total: IndexSummary; projects: Map<string, IndexSummary> }> {
  const blobSizes = new Map<string, number>();
  /** project → repository → digest → size (blob sizes filled in after the pass: blobs may come after manifests). */
  const repos = new Map<string, Map<string, Map<string, number | undefined>>>();
  /** project → `repo@digest` the upstream no longer has: a manifest marked so, or the digest of a tag marked so. */
  const kept = new Map<string, Set<string>>();
  const keep = (project: string, ref: string) => {
    let refs = kept.get(project);
    if (!refs) kept.set(project, (refs = new Set()));
    refs.add(ref);
  };
  for await (const a of records) {
    if (a.kind === 'tag') {
      if (a.record.upstreamDeleted) keep(a.project, `${a.repo}@${a.record.digest}`);
      continue;
    }
    if (a.kind === 'blob') {
      blobSizes.set(`${a.project}@${a.digest}`, a.record.size);
      continue;
    }
    let byRepo = repos.get(a.project);
    if (!byRepo) repos.set(a.project, (byRepo = new Map()));
    let digests = byRepo.get(a.repo);
    if (!digests) byRepo.set(a.repo, (digests = new Map()));
    digests.set(a.digest, a.record.size);
    for (const ref of a.record.references) if (!digests.has(ref)) digests.set(ref, undefined);
    if (a.record.upstreamDeleted) keep(a.project, `${a.repo}@${a.digest}`);
  }
  const projects = new Map<string, IndexSummary>();
  const all: { name: string; bytes: number }[] = [];
  for (const [project, byRepo] of repos) {
    const sized = [...byRepo].map(([name, digests]) => ({
      name,
      bytes: [...digests].reduce((sum, [digest, size]) => sum + (size ?? blobSizes.get(`${project}@${digest}`) ?? 0), 0),
    }));
    all.push(...sized.map((r) => ({ name: repos.size > 1 ? `${project}/${r.name}` : r.name, bytes: r.bytes })));
    projects.set(project, { repositories: byRepo.size, keptAfterUpstreamDelete: kept.get(project)?.size ?? 0, topRepositories: largest(sized, top), time });
  }
  const total: IndexSummary = {
    repositories: all.length,
    keptAfterUpstreamDelete: [...kept.values()].reduce((sum, refs) => sum + refs.size, 0),
    topRepositories: largest(all, top),
    time,
  };
  return { total, projects };
}

function largest(repos: { name: string; bytes: number }[], top: number): { name: string; bytes: number }[] {
  return [...repos].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)).slice(0, top);
}
