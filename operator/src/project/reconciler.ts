// ProxyCacheProject reconcile, level-based and idempotent: read the project and its endpoint from the watches'
// caches and the Secrets from the apiserver (inputs.ts); render the children once and write them (child-writer.ts);
// observe them from the apply answers, the proxy's stats and the node reports; write status when it changed
// (status-write.ts). Deletion goes through the finalizer (deletion.ts).
import type { KubernetesObject, V1Deployment, V1PersistentVolumeClaim, V1Service } from '@kubernetes/client-node';
import { ConfigError } from '@berth/contracts/proxy-config';
import { FINALIZER, type ProxyCacheProject, type RegistryEndpoint } from '../api/index.ts';
import { childName, desiredChildren, SecretShapeError, type DesiredChildren, type ProjectInputs } from '../children/index.ts';
import { operatorProxyUrl } from '../children/proxy-url.ts';
import type { PodSettings } from '../children/pod-settings.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { ObjectCache } from '../kube/object-cache.ts';
import type { HandlerResult } from '../kube/workqueue.ts';
import type { Logger } from '../observe/logger.ts';
import { Blocked } from './blocked.ts';
import { ChildWriter } from './child-writer.ts';
import { finalizeProject } from './deletion.ts';
import { endpointOf, readInputs, readServingTls } from './inputs.ts';
import type { NodeMirrorView } from './node-mirror-view.ts';
import { memberStats, type ProxyStats, type StatsFetcher } from './proxy-stats.ts';
import { SharedCaches } from './shared-caches.ts';
import { projectStatus, type ProjectObservation } from './status.ts';
import { recordTransition, statusRef, writeStatus } from './status-write.ts';

/** What the watches hold that a project reconcile reads. */
export interface ProjectCaches {
  projects: ObjectCache<ProxyCacheProject & KubernetesObject>;
  endpoints: ObjectCache<RegistryEndpoint>;
  /** The children the reconcile observes between its own writes (metadata and status). */
  deployments: ObjectCache<V1Deployment>;
  pvcs: ObjectCache<V1PersistentVolumeClaim>;
}

export interface ProjectReconcilerDeps {
  kube: KubeClient;
  caches: ProjectCaches;
  stats: StatsFetcher;
  nodeMirror: NodeMirrorView;
  defaultImage: string;
  /** Pull secrets, scheduling, resources and more for every proxy pod (--proxy-pod, --image-pull-secret). */
  proxyPod?: PodSettings;
  log: Logger;
  now?: () => Date;
  /** Proxy base URLs by `namespace/name`, for an operator outside the cluster (default: the Service's name). */
  proxyUrls?: ReadonlyMap<string, string>;
  /** How often a Ready project is looked at again (stats refresh). */
  resyncMs?: number;
  /** How soon a project that is not Ready yet is looked at again. */
  pendingMs?: number;
}

export function projectReconciler(deps: ProjectReconcilerDeps): (namespace: string, name: string) => Promise<HandlerResult> {
  const now = deps.now ?? (() => new Date());
  const resyncMs = deps.resyncMs ?? 60_000;
  const pendingMs = deps.pendingMs ?? 30_000;
  const children = new ChildWriter(deps.kube);
  const sources = { kube: deps.kube, endpoints: deps.caches.endpoints, defaultImage: deps.defaultImage, ...(deps.proxyPod ? { proxyPod: deps.proxyPod } : {}) };
  const shared = new SharedCaches({ sources, caches: deps.caches, children, log: deps.log });

  return async (namespace, name) => {
    const cached = deps.caches.projects.get(name, namespace);
    if (!cached) return {};
    // The cache's own object is shared with the watch: this reconcile works on a copy.
    const project = structuredClone(cached);
    if (project.metadata.deletionTimestamp) return finalizeProject({ kube: deps.kube, nodeMirror: deps.nodeMirror, releaseChildren: (p) => shared.release(p), log: deps.log, now }, project);
    const finalizers = project.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) {
      await deps.kube.setFinalizers(statusRef(project), [...finalizers, FINALIZER], project.metadata.resourceVersion);
      project.metadata.finalizers = [...finalizers, FINALIZER];
    }

    const observation: ProjectObservation = { project, now: now() };
    const child = childName(project);
    let applied = new Map<string, KubernetesObject>();
    try {
      // The serving certificate first: TLSReady says what became of it whatever else blocks the project.
      const certificate = await readServingTls(sources, project);
      if (certificate) observation.servingTls = certificate;
      if (project.spec.sharedCache) {
        applied = await shared.write(project, observation);
      } else {
        const inputs = await readInputs(sources, project);
        observation.endpoint = inputs.endpoint;
        observation.registry = project.spec.registry ?? inputs.resolved.registry;
        const desired = render(inputs, deps.caches.pvcs.get(child, namespace));
        applied = await children.write(desired, namespace, child);
        if (desired.storageRefusal) observation.storageRefusal = desired.storageRefusal;
      }
      // A project that joined, left or changed a shared cache left children under another name: removed once it is
      // served by these (not before: until then the old ones still serve it).
      await shared.releaseStale(project, child);
      // Only projects that mirror (or did, until now) change what the node agent renders.
      if (project.spec.nodeMirror?.enabled || project.status?.urls?.nodeMirror) await deps.nodeMirror.projectsChanged();
    } catch (error) {
      if (!(error instanceof Blocked)) throw error;
      observation.blocked = { reason: error.reason, message: error.message };
      observation.endpoint ??= endpointOf(sources, project);
    }

    // The children as the apply answered them; those not applied this time (blocked, or a refused PVC) as cached.
    observation.deployment = (applied.get('Deployment') as V1Deployment | undefined) ?? deps.caches.deployments.get(child, namespace);
    observation.pvc = (applied.get('PersistentVolumeClaim') as V1PersistentVolumeClaim | undefined) ?? deps.caches.pvcs.get(child, namespace);
    // No watch keeps Services: read only when this reconcile did not apply it.
    observation.service = (applied.get('Service') as V1Service | undefined) ?? (await deps.kube.get<V1Service>({ apiVersion: 'v1', kind: 'Service', namespace, name: child }));
    const stats = await fetchStats(project, observation.service);
    if (stats) observation.stats = stats;
    const mirror = await deps.nodeMirror.summarize(project);
    if (mirror) observation.nodeMirror = mirror;

    const verdict = projectStatus(observation);
    await writeStatus(deps.kube, project, verdict.status);
    await recordTransition(deps.kube, deps.log, project, verdict.ready);
    return { requeueAfterMs: verdict.ready.status === 'True' ? resyncMs : pendingMs };
  };

  /** The children, rendered once; a value the proxy or a Secret's shape refuses is Blocked, not retried. */
  function render(inputs: ProjectInputs, existingPvc: V1PersistentVolumeClaim | undefined): DesiredChildren {
    try {
      return desiredChildren(inputs, existingPvc);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof SecretShapeError) throw new Blocked('InvalidConfiguration', error.message);
      throw error;
    }
  }

  async function fetchStats(project: ProxyCacheProject, service: V1Service | undefined): Promise<ProxyStats | undefined> {
    const url = operatorProxyUrl(project, service, deps.proxyUrls);
    try {
      return memberStats(await deps.stats(url), project);
    } catch (error) {
      deps.log.debug('proxy stats not available', { namespace: project.metadata.namespace, name: project.metadata.name, error: String(error) });
      return undefined;
    }
  }
}
