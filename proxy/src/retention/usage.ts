// What retention needs to know, in memory: every stored manifest and blob per project in least-recently-pulled
// order, bytes per project, which digests kept manifests still reference, and how many records share one file.
//
// The order is a Map per project kept in insertion order: pulls happen at "now", which only moves forward, so moving
// a pulled entry to the end keeps the Map sorted by last-pulled time. Oldest-first is then a walk from the start,
// O(1) per pull and per eviction — no scan per request, no heap rebalancing (distribution's scheduler keeps a
// similar ordered list). Last-pulled times are written to the catalog in batches (`takeDirty`), not per request.
import type { Catalog, CatalogArtifact } from '../index/catalog.ts';
import { projectOfKey } from '../index/keys.ts';

export interface Artifact {
  /** The catalog key of the manifest or blob (index/keys.ts). */
  key: string;
  kind: 'manifest' | 'blob';
  project: string;
  digest: string;
  size: number;
  /** Digests a manifest references (config, layers, child manifests); empty for blobs. */
  references: readonly string[];
  lastPulled: number;
}

export class UsageIndex {
  private readonly byProject = new Map<string, Map<string, Artifact>>();
  private readonly bytesByProject = new Map<string, number>();
  /** `<project>@<digest>` → how many kept manifests of that project reference it. */
  private readonly refs = new Map<string, number>();
  /** digest → how many records (any project, any repository) share its file in the store. */
  private readonly owners = new Map<string, number>();
  private dirty = new Set<string>();
  private readonly listeners: ((project: string) => void)[] = [];

  /** Rebuilds the view from the catalog (once, at start), oldest first. */
  static async load(catalog: Catalog): Promise<UsageIndex> {
    const all: CatalogArtifact[] = [];
    for await (const a of catalog.artifacts()) all.push(a);
    all.sort((a, b) => a.record.lastPulled - b.record.lastPulled);
    const usage = new UsageIndex();
    for (const a of all) {
      usage.add({
        key: a.key, kind: a.kind, project: a.project, digest: a.digest, size: a.record.size,
        references: a.kind === 'manifest' ? a.record.references : [], lastPulled: a.record.lastPulled,
      }, { quiet: true });
    }
    return usage;
  }

  /** Called after a new artifact was added to a project (retention checks maxSize then). */
  onAdd(listener: (project: string) => void): void {
    this.listeners.push(listener);
  }

  /** Records a stored artifact as the most recently pulled; true when it was not known before. */
  add(artifact: Artifact, opts: { quiet?: boolean } = {}): boolean {
    const known = this.remove(artifact.key) !== undefined;
    let entries = this.byProject.get(artifact.project);
    if (!entries) this.byProject.set(artifact.project, (entries = new Map()));
    entries.set(artifact.key, { ...artifact });
    this.bytesByProject.set(artifact.project, this.bytes(artifact.project) + artifact.size);
    this.owners.set(artifact.digest, (this.owners.get(artifact.digest) ?? 0) + 1);
    for (const ref of artifact.references) bump(this.refs, `${artifact.project}@${ref}`, 1);
    if (!opts.quiet) for (const listener of this.listeners) listener(artifact.project);
    return !known;
  }

  /**
   * A pull served an artifact this view does not know although the index has it: another replica sharing the index
   * stored it. It joins this view as pulled now, and its last-pulled time goes to the index with the next batch, so
   * the replica running retention sees the pulls of every replica. No listener hears of it (nothing new is stored).
   */
  adopt(artifact: Artifact): void {
    if (this.get(artifact.key)) return;
    this.add(artifact, { quiet: true });
    this.dirty.add(artifact.key);
  }

  /** A pull served this artifact: it becomes the most recently pulled. */
  touch(key: string, now: number): void {
    const project = projectOfKey(key);
    const entries = project === undefined ? undefined : this.byProject.get(project);
    const artifact = entries?.get(key);
    if (!entries || !artifact) return;
    artifact.lastPulled = Math.max(artifact.lastPulled, now);
    entries.delete(key);
    entries.set(key, artifact);
    this.dirty.add(key);
  }

  /** Forgets an artifact; gives it back, or undefined when it was not known. */
  remove(key: string): Artifact | undefined {
    const project = projectOfKey(key);
    const entries = project === undefined ? undefined : this.byProject.get(project);
    const artifact = entries?.get(key);
    if (!entries || !artifact) return undefined;
    entries.delete(key);
    this.dirty.delete(key);
    this.bytesByProject.set(artifact.project, this.bytes(artifact.project) - artifact.size);
    bump(this.owners, artifact.digest, -1);
    for (const ref of artifact.references) bump(this.refs, `${artifact.project}@${ref}`, -1);
    return artifact;
  }

  get(key: string): Artifact | undefined {
    const project = projectOfKey(key);
    return project === undefined ? undefined : this.byProject.get(project)?.get(key);
  }

  /** A project's artifacts, least recently pulled first. */
  oldestFirst(project: string): IterableIterator<Artifact> {
    return (this.byProject.get(project) ?? new Map<string, Artifact>()).values();
  }

  projects(): string[] {
    return [...this.byProject.keys()];
  }

  bytes(project: string): number {
    return this.bytesByProject.get(project) ?? 0;
  }

  count(project: string): number {
    return this.byProject.get(project)?.size ?? 0;
  }

  /** True while a kept manifest of `project` references `digest` (such a blob or child manifest stays). */
  isReferenced(project: string, digest: string): boolean {
    return (this.refs.get(`${project}@${digest}`) ?? 0) > 0;
  }

  /** How many kept manifests of `project` reference `digest`. */
  referenceCount(project: string, digest: string): number {
    return this.refs.get(`${project}@${digest}`) ?? 0;
  }

  /** True while some record still needs the store's file for `digest`. */
  hasOwners(digest: string): boolean {
    return (this.owners.get(digest) ?? 0) > 0;
  }

  /** The artifacts pulled since the last call, for a batched write of their last-pulled times. */
  takeDirty(): Artifact[] {
    const keys = this.dirty;
    this.dirty = new Set();
    return [...keys].map((k) => this.get(k)).filter((a): a is Artifact => a !== undefined);
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
