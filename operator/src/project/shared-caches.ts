// The reconcile side of shared caches (cache-groups.ts decides, children/shared-cache.ts renders). Any member's
// reconcile renders the whole cache from every member that can be served, so the children never depend on which
// member was looked at last; the member itself then learns what became of it (Blocked, a settings conflict).
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { ConfigError } from '@berth/contracts/proxy-config';
import type { ProxyCacheProject } from '../api/index.ts';
import { SecretShapeError, type ProjectInputs, type StorageRefusal } from '../children/index.ts';
import { ownChildName, proxyProjectName, selectorLabels, sharedChildName } from '../children/names.ts';
import { renderedProxyConfig } from '../children/proxy-config.ts';
import { CACHE_LABEL, desiredSharedChildren } from '../children/shared-cache.ts';
import type { Logger } from '../observe/logger.ts';
import { Blocked } from './blocked.ts';
import { cacheMembers, conflictMessage, instanceSettings, rootMember, settingsConflicts, type InstanceSettings } from './cache-groups.ts';
import type { ChildWriter } from './child-writer.ts';
import { readInputs, type InputSources } from './inputs.ts';
import type { ProjectCaches } from './reconciler.ts';
import type { ProjectObservation } from './status.ts';

export interface SharedCachesDeps {
  sources: InputSources;
  caches: ProjectCaches;
  children: ChildWriter;
  log: Logger;
}

const PROXY_APP = selectorLabels({ metadata: {}, spec: { endpointRef: { name: '' } } })['app.kubernetes.io/name'];

type MemberRead = { project: ProxyCacheProject; inputs: ProjectInputs } | { project: ProxyCacheProject; blocked: Blocked };

export class SharedCaches {
  constructor(private readonly deps: SharedCachesDeps) {}

  /**
   * Writes the cache `project` belongs to and fills its part of the observation. Rejects with Blocked when this
   * member cannot be served (its own inputs, a registry another member already serves, a taken cache name) —
   * after the cache was written for the others.
   */
  async write(project: ProxyCacheProject, observation: ProjectObservation): Promise<Map<string, KubernetesObject>> {
    const namespace = project.metadata.namespace ?? '';
    const cache = project.spec.sharedCache ?? '';
    const members = cacheMembers(this.deps.caches.projects.list(namespace), namespace, cache);
    const applied = await this.writeCache(namespace, cache, members);
    const mine = applied.reads.find((r) => r.project.metadata.uid === project.metadata.uid);
    if (!mine) throw new Blocked('CacheNotWritten', `shared cache ${cache} has no member that can be served yet`);
    if ('blocked' in mine) throw mine.blocked;
    observation.endpoint = mine.inputs.endpoint;
    observation.registry = project.spec.registry ?? mine.inputs.resolved.registry;
    if (applied.storageRefusal) observation.storageRefusal = applied.storageRefusal;
    const conflicts = applied.settings ? settingsConflicts(project, applied.settings) : [];
    if (conflicts.length) observation.settingsConflict = { reason: 'CacheSettingsConflict', message: conflictMessage(conflicts) };
    return applied.children;
  }

  /** For a member being deleted: the cache without it while other members remain, else every child removed. */
  async release(project: ProxyCacheProject): Promise<void> {
    const namespace = project.metadata.namespace ?? '';
    const cache = project.spec.sharedCache;
    if (!cache) return this.deps.children.deleteAll(namespace, ownChildName(project));
    const others = cacheMembers(this.deps.caches.projects.list(namespace), namespace, cache).filter((m) => m.metadata.uid !== project.metadata.uid);
    if (others.length === 0) return this.deps.children.deleteAll(namespace, sharedChildName(cache));
    await this.writeCache(namespace, cache, others).catch((error: unknown) => {
      // The others' own reconciles say what blocks them; this member's deletion need not wait for that.
      if (!(error instanceof Blocked)) throw error;
    });
  }

  /**
   * Children the project owned under another name: its own instance before it joined a cache, or a cache it left
   * as the last member. Removed once nothing else is served by them; a cache with members left is theirs to
   * rewrite (their reconciles drop this owner).
   */
  async releaseStale(project: ProxyCacheProject, current: string): Promise<void> {
    const namespace = project.metadata.namespace ?? '';
    for (const deployment of this.deps.caches.deployments.list(namespace)) {
      const name = deployment.metadata?.name ?? '';
      // Proxies only: a project may own other Deployments, which are not this module's to remove.
      if (name === current || deployment.metadata?.labels?.['app.kubernetes.io/name'] !== PROXY_APP || !ownedBy(deployment, project)) continue;
      const cache = deployment.metadata?.labels?.[CACHE_LABEL];
      if (cache && cacheMembers(this.deps.caches.projects.list(namespace), namespace, cache).length > 0) continue;
      this.deps.log.info('removing children the project no longer uses', { namespace, name: project.metadata.name, children: name });
      await this.deps.children.deleteAll(namespace, name);
    }
  }

  private async writeCache(namespace: string, cache: string, members: ProxyCacheProject[]): Promise<{ reads: MemberRead[]; children: Map<string, KubernetesObject>; settings?: InstanceSettings; storageRefusal?: StorageRefusal }> {
    const reads = await Promise.all(members.map((m) => this.readMember(m)));
    const taken = this.nameTakenBy(namespace, cache);
    if (taken) {
      const blocked = new Blocked('CacheNameTaken', `shared cache ${cache} would be served by children named ${sharedChildName(cache)}, which ProxyCacheProject ${taken} already uses for an instance of its own: choose another spec.sharedCache`);
      return { reads: reads.map((r) => ({ project: r.project, blocked })), children: new Map<string, KubernetesObject>() };
    }
    refuseSecondRegistry(reads, cache);
    const served = reads.flatMap((r) => ('inputs' in r ? [r.inputs] : []));
    const root = rootMember(served, registryOf);
    if (!root) return { reads, children: new Map<string, KubernetesObject>() };
    // From the members served only: a member left out must not hand the pods a Secret that is not there.
    const settings = instanceSettings(served.map((m) => m.project));
    const name = sharedChildName(cache);
    let desired;
    try {
      desired = desiredSharedChildren({ cache, members: served, root, settings: settings.spec }, this.deps.caches.pvcs.get(name, namespace));
    } catch (error) {
      if (error instanceof ConfigError || error instanceof SecretShapeError) throw new Blocked('InvalidConfiguration', `shared cache ${cache}: ${error.message}`);
      throw error;
    }
    const children = await this.deps.children.write(desired, namespace, name);
    return { reads, children, settings, ...(desired.storageRefusal ? { storageRefusal: desired.storageRefusal } : {}) };
  }

  /** One member's inputs, and whether the proxy would take it alone: a member that cannot be served is left out. */
  private async readMember(project: ProxyCacheProject): Promise<MemberRead> {
    try {
      const inputs = await readInputs(this.deps.sources, project);
      renderedProxyConfig(inputs);
      return { project, inputs };
    } catch (error) {
      if (error instanceof Blocked) return { project, blocked: error };
      if (error instanceof ConfigError || error instanceof SecretShapeError) return { project, blocked: new Blocked('InvalidConfiguration', error.message) };
      throw error;
    }
  }

  /** A project outside the cache whose own children have the cache's name. */
  private nameTakenBy(namespace: string, cache: string): string | undefined {
    const name = sharedChildName(cache);
    return this.deps.caches.projects.list(namespace).find((p) => !p.spec.sharedCache && ownChildName(p) === name)?.metadata.name;
  }
}

function registryOf(inputs: ProjectInputs): string {
  return inputs.project.spec.registry ?? inputs.resolved.registry;
}

/** One proxy serves a registry (and a proxy project name) once: the oldest member keeps it, the later ones are left out. */
function refuseSecondRegistry(reads: MemberRead[], cache: string): void {
  const seen = new Map<string, string>();
  reads.forEach((read, i) => {
    if (!('inputs' in read)) return;
    const keys = [`registry ${registryOf(read.inputs)}`, `proxy project name ${proxyProjectName(read.project)}`];
    const holder = keys.map((k) => [k, seen.get(k)] as const).find(([, h]) => h !== undefined);
    if (holder) {
      reads[i] = {
        project: read.project,
        blocked: new Blocked('CacheRegistryConflict', `${holder[0]} is already served in shared cache ${cache} by ProxyCacheProject ${holder[1]}: a cache serves each registry once; give this project another spec.sharedCache, or remove it from the cache`),
      };
      return;
    }
    for (const k of keys) seen.set(k, read.project.metadata.name ?? '');
  });
}

function ownedBy(child: V1Deployment, project: ProxyCacheProject): boolean {
  return (child.metadata?.ownerReferences ?? []).some((o) => o.uid === project.metadata.uid);
}
