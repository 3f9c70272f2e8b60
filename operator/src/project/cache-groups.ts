// Many projects, one cache (issue 16): the ProxyCacheProjects of one namespace that name the same spec.sharedCache
// are served by one proxy instance. Pure decisions over the projects: who is in a cache, which instance settings it
// runs with (each from the oldest member that sets it), which members disagree, and which one is served at /v2/.
import { isDeepStrictEqual } from 'node:util';
import type { ProxyCacheProject, ProxyCacheProjectSpec } from '../api/index.ts';
import { DEFAULT_STORAGE_SIZE } from '../children/pvc.ts';
import { olderFirst, projectKey, projectRegistry } from '../nodemirror/conflicts.ts';

/**
 * The spec fields that describe the instance (its pods, volume, Service, Ingress) rather than one upstream: one
 * value serves every member. Everything else — endpointRef, registry, access, cache (retention, tag TTL, pinned),
 * nodeMirror, podImageRewrite — stays each project's own.
 */
export const INSTANCE_FIELDS = ['replicas', 'storage', 'index', 'resources', 'image', 'tls', 'ingress', 'log'] as const satisfies readonly (keyof ProxyCacheProjectSpec)[];

/** Values the apiserver or the builders fill in when a field is unset: a member at the default sets nothing. */
const DEFAULTS: Record<string, unknown> = { replicas: 1, 'storage.size': DEFAULT_STORAGE_SIZE, 'storage.accessMode': 'ReadWriteOnce' };

/** The live members of a cache, oldest first. */
export function cacheMembers(projects: Iterable<ProxyCacheProject>, namespace: string, cache: string): ProxyCacheProject[] {
  const members = [...projects].filter((p) => p.metadata.namespace === namespace && p.spec.sharedCache === cache && !p.metadata.deletionTimestamp);
  return members.sort(olderFirst);
}

/** The instance settings a member sets, by spec path (`replicas`, `storage.size`, `ingress`): defaults left out. */
function settingsOf(project: ProxyCacheProject): Map<string, unknown> {
  const set = new Map<string, unknown>();
  for (const field of INSTANCE_FIELDS) {
    const value = project.spec[field];
    if (value === undefined) continue;
    // Storage leaf by leaf: one member may name the size, another the class.
    const leaves = field === 'storage' ? Object.entries(value as Record<string, unknown>).map(([k, v]) => [`storage.${k}`, v] as const) : [[field, value] as const];
    for (const [path, v] of leaves) if (v !== undefined && !isDeepStrictEqual(v, DEFAULTS[path])) set.set(path, v);
  }
  return set;
}

export interface InstanceSettings {
  /** The spec fields the shared instance runs with, to lay over its leader's spec. */
  spec: Pick<ProxyCacheProjectSpec, (typeof INSTANCE_FIELDS)[number]>;
  /** Which member each setting came from (spec path → project name). */
  from: Map<string, ProxyCacheProject>;
}

/**
 * What the instance runs with: each setting from the oldest member that sets it, so that settings written on one
 * member only (whichever was created first) hold for the cache; unset everywhere, the defaults.
 */
export function instanceSettings(members: readonly ProxyCacheProject[]): InstanceSettings {
  const from = new Map<string, ProxyCacheProject>();
  const values = new Map<string, unknown>();
  for (const member of members) {
    for (const [path, value] of settingsOf(member)) {
      if (from.has(path) || storageKindHolder(path, from)) continue;
      from.set(path, member);
      values.set(path, value);
    }
  }
  const spec: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const [field, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) spec[field] = value;
    else spec[field] = { ...(spec[field] as object | undefined), [leaf]: value };
  }
  return { spec: spec as InstanceSettings['spec'], from };
}

/**
 * A store is a bucket (`storage.s3`) or a volume (size, class, access mode), never both: once an older member chose
 * one kind, the other kind's leaves of younger members are not taken (they are conflicts with that member). This
 * gives the member whose storage of the other kind the cache already runs with, when `path` is a storage leaf.
 */
function storageKindHolder(path: string, from: ReadonlyMap<string, ProxyCacheProject>): ProxyCacheProject | undefined {
  if (!path.startsWith('storage.')) return undefined;
  const isBucket = (p: string) => p === 'storage.s3';
  for (const [taken, holder] of from) if (taken.startsWith('storage.') && isBucket(taken) !== isBucket(path)) return holder;
  return undefined;
}

/** The instance settings a member sets to something else than the cache runs with, as spec paths. */
export function settingsConflicts(member: ProxyCacheProject, settings: InstanceSettings): { field: string; from: ProxyCacheProject }[] {
  const conflicts: { field: string; from: ProxyCacheProject }[] = [];
  for (const [path, value] of settingsOf(member)) {
    const otherKind = storageKindHolder(path, settings.from);
    if (otherKind && otherKind.metadata.uid !== member.metadata.uid) {
      conflicts.push({ field: path, from: otherKind });
      continue;
    }
    const holder = settings.from.get(path);
    if (holder && holder.metadata.uid !== member.metadata.uid && !isDeepStrictEqual(value, settingsOf(holder).get(path))) conflicts.push({ field: path, from: holder });
  }
  return conflicts;
}

/** What a member whose instance settings disagree is told: which fields, and whose values to copy. */
export function conflictMessage(conflicts: { field: string; from: ProxyCacheProject }[]): string {
  const parts = conflicts.map((c) => `spec.${c.field} differs from ProxyCacheProject ${c.from.metadata.name ?? ''}'s`);
  const cache = conflicts[0]?.from.spec.sharedCache ?? '';
  return `${parts.join(', ')}, which shared cache ${cache} runs with (each instance setting comes from the oldest member that sets it): set ${conflicts.length === 1 ? 'it' : 'them'} the same, or leave ${conflicts.length === 1 ? 'it' : 'them'} unset`;
}

/**
 * The member the proxy serves at /v2/ (its `default: true` project): the docker.io one, as Docker's registry-mirrors
 * asks a mirror for /v2/<repo> with no registry in the path; else the oldest. Every other member is reached by its
 * path prefix /v2/<registry>/ (node mirrors, rewritten pod images) or containerd's ?ns=<registry>.
 */
export function rootMember<T>(members: readonly T[], registryOf: (member: T) => string | undefined): T | undefined {
  return members.find((m) => registryOf(m) === 'docker.io') ?? members[0];
}

/**
 * Which caches a project event touches: the one it names now and the one it named before (it left that one, whose
 * config must drop it). Remembers each project's cache between events, so a move is seen from the new object alone.
 */
export class CacheMembership {
  private readonly cacheOf = new Map<string, string>();

  /** `namespace/cache` keys whose members should be reconciled again. */
  changed(project: ProxyCacheProject, deleted: boolean): string[] {
    const namespace = project.metadata.namespace ?? '';
    const key = `${namespace}/${project.metadata.name ?? ''}`;
    const before = this.cacheOf.get(key);
    const now = deleted ? undefined : project.spec.sharedCache;
    if (now) this.cacheOf.set(key, now);
    else this.cacheOf.delete(key);
    return [...new Set([before, now].filter((c): c is string => c !== undefined))].map((c) => `${namespace}/${c}`);
  }
}

/** Whether the project's proxy serves its registry at /v2/ as well as under /v2/<registry>/ (Docker needs that). */
export function servedAtRoot(project: ProxyCacheProject, projects: readonly ProxyCacheProject[]): boolean {
  const cache = project.spec.sharedCache;
  if (!cache) return true;
  const root = rootMember(cacheMembers(projects, project.metadata.namespace ?? '', cache), projectRegistry);
  return root !== undefined && projectKey(root) === projectKey(project);
}
