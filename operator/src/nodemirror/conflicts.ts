// One registry, one cache on the nodes: when two projects mirror the same registry, the older one (by
// creationTimestamp, then namespace/name for a tie) keeps it, and the other is told so with reason Conflict.
import type { ProxyCacheProject } from '../api/index.ts';

export function projectKey(p: ProxyCacheProject): string {
  return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
}

/** The registry host a project mirrors: status (resolved by the reconciler) first, then spec. */
export function projectRegistry(p: ProxyCacheProject): string | undefined {
  return p.status?.registry ?? p.spec.registry;
}

export interface RegistryAssignment {
  /** registry → the project that mirrors it on nodes. */
  owners: Map<string, ProxyCacheProject>;
  /** project key → the key of the project that keeps its registry. */
  conflicts: Map<string, string>;
}

export function assignRegistries(projects: ProxyCacheProject[]): RegistryAssignment {
  const enabled = projects.filter((p) => p.spec.nodeMirror?.enabled === true && !p.metadata.deletionTimestamp && projectRegistry(p));
  const ordered = [...enabled].sort(olderFirst);
  const owners = new Map<string, ProxyCacheProject>();
  const conflicts = new Map<string, string>();
  for (const p of ordered) {
    const registry = projectRegistry(p) as string;
    const owner = owners.get(registry);
    if (owner) conflicts.set(projectKey(p), projectKey(owner));
    else owners.set(registry, p);
  }
  return { owners, conflicts };
}

/** Oldest first by creationTimestamp, then namespace/name for a tie: who keeps what several projects ask for. */
export function olderFirst(a: ProxyCacheProject, b: ProxyCacheProject): number {
  return created(a) - created(b) || projectKey(a).localeCompare(projectKey(b));
}

function created(p: ProxyCacheProject): number {
  const t = p.metadata.creationTimestamp;
  return t === undefined ? Number.MAX_SAFE_INTEGER : new Date(t).getTime();
}
