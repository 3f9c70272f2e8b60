// Many projects, one cache (issue 16): the ProxyCacheProjects of one namespace that name the same spec.sharedCache
// are served by one proxy instance. Pure decisions over the projects: who is in a cache, whose instance settings
// it runs with (the oldest member's), which members disagree with them, and which member the proxy serves at /v2/.
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

/** The values the apiserver or the builders use when a field is unset, so that `unset` and `the default` agree. */
const STORAGE_DEFAULTS: Record<string, unknown> = { size: DEFAULT_STORAGE_SIZE, accessMode: 'ReadWriteOnce' };

/** The live members of a cache, oldest first: the first is the one whose instance settings win. */
export function cacheMembers(projects: Iterable<ProxyCacheProject>, namespace: string, cache: string): ProxyCacheProject[] {
  const members = [...projects].filter((p) => p.metadata.namespace === namespace && p.spec.sharedCache === cache && !p.metadata.deletionTimestamp);
  return members.sort(olderFirst);
}

/**
 * The instance fields a member sets to something else than the cache runs with (the leader's values), as spec
 * paths (`replicas`, `storage.size`). A field the member leaves unset takes the cache's and is no conflict.
 */
export function settingsConflicts(member: ProxyCacheProject, leader: ProxyCacheProject): string[] {
  const fields: string[] = [];
  for (const field of INSTANCE_FIELDS) {
    const mine = member.spec[field];
    if (mine === undefined) continue;
    const theirs = leader.spec[field];
    if (field === 'storage') {
      // Leaf by leaf, with the defaults: storage {accessMode: ReadWriteOnce} agrees with no storage at all.
      const own = mine as Record<string, unknown>;
      const cached = (theirs ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(own).sort()) {
        if (!isDeepStrictEqual(own[key], cached[key] ?? STORAGE_DEFAULTS[key])) fields.push(`storage.${key}`);
      }
    } else if (field === 'replicas') {
      if (mine !== (theirs ?? 1)) fields.push(field);
    } else if (!isDeepStrictEqual(mine, theirs)) {
      fields.push(field);
    }
  }
  return fields;
}

/** What a member whose instance settings disagree is told: which fields, and whose values to copy. */
export function conflictMessage(fields: string[], leader: ProxyCacheProject): string {
  const cache = leader.spec.sharedCache ?? '';
  const list = fields.map((f) => `spec.${f}`).join(', ');
  return `${list} differ${fields.length === 1 ? 's' : ''} from ProxyCacheProject ${leader.metadata.name ?? ''}, the oldest member of shared cache ${cache}, whose instance settings the cache runs with: set ${fields.length === 1 ? 'it' : 'them'} as there, or leave ${fields.length === 1 ? 'it' : 'them'} unset`;
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
