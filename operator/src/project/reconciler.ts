// ProxyCacheProject reconcile, level-based and idempotent: read the project, its endpoint and Secrets; write
// every child by server-side apply; delete children it no longer asks for; observe the children and write status.
// Deletion goes through the finalizer: node mirror cleanup first, then the children, then the finalizer.
import type { KubernetesObject, V1Deployment, V1PersistentVolumeClaim, V1Secret, V1Service } from '@kubernetes/client-node';
import { ConfigError } from '@berth/proxy/config';
import { API_VERSION, FINALIZER, PROXY_CACHE_PROJECT, REGISTRY_ENDPOINT, type ProxyCacheProject, type RegistryEndpoint } from '../api/index.ts';
import { childName, desiredChildren, EndpointConfigError, resolveEndpoint, SecretShapeError, servingCertificate, TlsSecretError, type ProjectInputs, type ServingCertificate } from '../children/index.ts';
import { operatorProxyUrl } from '../children/proxy-url.ts';
import type { PodSettings } from '../children/pod-settings.ts';
import type { CleanupState } from '../nodemirror/cleanup.ts';
import { findCondition, mergeConditions, sameConditions } from '../kube/conditions.ts';
import { describeKubeError, statusCodeOf, type KubeClient, type ObjectRef } from '../kube/kube-client.ts';
import { projectStatus, type NodeMirrorSummary } from './status.ts';
import type { ProxyStats, StatsFetcher } from './proxy-stats.ts';
import type { HandlerResult } from '../kube/workqueue.ts';
import type { Logger } from '../observe/logger.ts';

/** What the node mirror side (operator/src/nodemirror/) offers the project reconciler. */
export interface NodeMirrorView {
  /** The project's node figures and NodeMirrorReady condition; undefined when nodeMirror is off. */
  summarize(project: ProxyCacheProject): Promise<NodeMirrorSummary | undefined>;
  /** The set of mirrored projects may have changed: re-render the node agent's configuration. */
  projectsChanged(): Promise<void>;
  /** For a deleted project: whether the node agents have handed its registry back to the runtimes. */
  cleanup(project: ProxyCacheProject, now: Date): CleanupState;
}

export interface ProjectReconcilerDeps {
  kube: KubeClient;
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

const CHILD_KINDS: { apiVersion: string; kind: string }[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

/** A status as a comparable string: keys sorted, the stats' own timestamp left out, and podImageRewrite, which the
 *  webhook (operator/src/webhook/) writes from every replica and this reconciler never does. */
export function statusKey(status: object | undefined): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).filter((k) => k !== 'updateTime').sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  const { podImageRewrite: _webhookOwned, ...own } = (status ?? {}) as { podImageRewrite?: unknown };
  return JSON.stringify(canonical(own));
}

class Blocked extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export function projectReconciler(deps: ProjectReconcilerDeps): (namespace: string, name: string) => Promise<HandlerResult> {
  const now = deps.now ?? (() => new Date());
  const resyncMs = deps.resyncMs ?? 60_000;
  const pendingMs = deps.pendingMs ?? 30_000;
  // Reports arriving wake a deleted project at once (the reports watch); this is only the safety net.
  const cleanupPollMs = 15_000;
  // Children known to be absent (Ingress, PDB when not asked for): deleted once, not on every reconcile. Only
  // this process's own writes change that, so it is enough to forget a key when the child is applied again.
  const absent = new Set<string>();
  const childKey = (ref: { apiVersion?: string; kind?: string; namespace?: string; name?: string }) => `${ref.apiVersion}/${ref.kind}/${ref.namespace}/${ref.name}`;

  return async (namespace, name) => {
    const ref = { apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind, namespace, name };
    const statusRef = { ...ref, plural: PROXY_CACHE_PROJECT.plural };
    const project = await deps.kube.get<ProxyCacheProject & KubernetesObject>(ref);
    if (!project) return {};
    const finalizers = project.metadata.finalizers ?? [];

    if (project.metadata.deletionTimestamp) {
      if (!finalizers.includes(FINALIZER)) return {};
      await deps.nodeMirror.projectsChanged();
      // Node mirror cleanup first: the runtimes get their own config back before the cache goes away.
      const cleanup = deps.nodeMirror.cleanup(project, now());
      if (!cleanup.done) {
        await showCleanup(project, cleanup.message);
        return { requeueAfterMs: cleanupPollMs };
      }
      if (cleanup.abandoned) {
        const message = `node agents on ${cleanup.abandoned.join(', ')} did not report back in time: their runtime config may still name this cache`;
        deps.log.warn('releasing the finalizer without node mirror cleanup', { namespace, name, nodes: cleanup.abandoned });
        await deps.kube.event({ regarding: project, type: 'Warning', reason: 'NodeMirrorCleanupAbandoned', message }).catch(() => undefined);
      }
      const child = childName(project);
      for (const kind of CHILD_KINDS) {
        await deps.kube.delete({ ...kind, namespace, name: child });
        absent.delete(childKey({ ...kind, namespace, name: child }));
      }
      await deps.kube.setFinalizers(statusRef, finalizers.filter((f) => f !== FINALIZER), project.metadata.resourceVersion);
      deps.log.info('project deleted: children removed, finalizer released', { namespace, name });
      return {};
    }
    if (!finalizers.includes(FINALIZER)) {
      await deps.kube.setFinalizers(statusRef, [...finalizers, FINALIZER], project.metadata.resourceVersion);
      project.metadata.finalizers = [...finalizers, FINALIZER];
    }

    const observation: Parameters<typeof projectStatus>[0] = { project, now: now() };
    const child = (apiVersion: string, kind: string): ObjectRef => ({ apiVersion, kind, namespace, name: childName(project) });
    try {
      // The serving certificate first: TLSReady says what became of it whatever else blocks the project.
      const certificate = await servingTls(project);
      if (certificate) observation.servingTls = certificate;
      const inputs = await gatherInputs(project);
      observation.endpoint = inputs.endpoint;
      observation.registry = project.spec.registry ?? inputs.resolved.registry;
      const existingPvc = await deps.kube.get<V1PersistentVolumeClaim>(child('v1', 'PersistentVolumeClaim'));
      const children = desiredChildren(inputs, existingPvc);
      for (const obj of children.apply) {
        absent.delete(childKey({ apiVersion: obj.apiVersion, kind: obj.kind, namespace, name: obj.metadata?.name }));
        try {
          await deps.kube.apply(obj);
        } catch (error) {
          // The apiserver refused the child as invalid: a retry cannot fix that, the project's spec can.
          if (statusCodeOf(error) === 422) throw new Blocked('ChildRejected', `${obj.kind} ${obj.metadata?.name ?? ''} refused by the apiserver: ${describeKubeError(error)}`);
          throw error;
        }
      }
      for (const gone of children.absent) {
        const ref = child(gone.apiVersion, gone.kind);
        if (absent.has(childKey(ref))) continue;
        await deps.kube.delete(ref);
        absent.add(childKey(ref));
      }
      if (children.storageRefusal) observation.storageRefusal = children.storageRefusal;
      // Only projects that mirror (or did, until now) change what the node agent renders.
      if (project.spec.nodeMirror?.enabled || project.status?.urls?.nodeMirror) await deps.nodeMirror.projectsChanged();
    } catch (error) {
      if (!(error instanceof Blocked)) throw error;
      observation.blocked = { reason: error.reason, message: error.message };
      if (!observation.endpoint && error.reason !== 'EndpointNotFound') {
        observation.endpoint = await deps.kube.get<RegistryEndpoint>({ apiVersion: API_VERSION, kind: REGISTRY_ENDPOINT.kind, namespace, name: project.spec.endpointRef.name });
      }
    }

    const [deployment, pvc, service] = await Promise.all([
      deps.kube.get<V1Deployment>(child('apps/v1', 'Deployment')),
      deps.kube.get<V1PersistentVolumeClaim>(child('v1', 'PersistentVolumeClaim')),
      deps.kube.get<V1Service>(child('v1', 'Service')),
    ]);
    Object.assign(observation, { deployment, pvc, service });
    const stats = await fetchStats(project, service);
    if (stats) observation.stats = stats;
    const mirror = await deps.nodeMirror.summarize(project);
    if (mirror) observation.nodeMirror = mirror;

    const verdict = projectStatus(observation);
    // Status writes come back as watch events: skip a write that would say nothing new.
    if (statusKey(project.status) !== statusKey(verdict.status)) await deps.kube.patchStatus(statusRef, verdict.status);
    await recordTransition(project, verdict.ready);
    return { requeueAfterMs: verdict.ready.status === 'True' ? resyncMs : pendingMs };
  };

  /** While node agents clean up, NodeMirrorReady says on which nodes the deletion waits. */
  async function showCleanup(project: ProxyCacheProject & KubernetesObject, message: string): Promise<void> {
    const generation = project.metadata.generation ?? 0;
    const conditions = mergeConditions(project.status?.conditions, [{ type: 'NodeMirrorReady', status: 'False', reason: 'CleaningUp', message }], generation, now());
    if (sameConditions(project.status?.conditions, conditions)) return;
    const ref = { apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind, plural: PROXY_CACHE_PROJECT.plural, namespace: project.metadata.namespace ?? '', name: project.metadata.name ?? '' };
    await deps.kube.patchStatus(ref, { ...project.status, conditions });
    deps.log.info('project deleted: waiting for node mirror cleanup', { namespace: ref.namespace, name: ref.name, message });
  }

  /** The spec.tls Secret and its certificate; Blocked (TLSSecretNotFound, TLSSecretInvalid) when it cannot be served. */
  async function servingTls(project: ProxyCacheProject): Promise<ServingCertificate | undefined> {
    const name = project.spec.tls?.secretName;
    if (!name) return undefined;
    const namespace = project.metadata.namespace ?? '';
    const secret = await deps.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
    if (!secret) {
      throw new Blocked('TLSSecretNotFound', `Secret ${name} (spec.tls.secretName) not found in namespace ${namespace}: create a kubernetes.io/tls Secret with tls.crt and tls.key, or a cert-manager Certificate with spec.secretName ${name} (the Secret appears once it is issued)`);
    }
    try {
      return servingCertificate(secret);
    } catch (error) {
      if (error instanceof TlsSecretError) throw new Blocked('TLSSecretInvalid', error.message);
      throw error;
    }
  }

  async function gatherInputs(project: ProxyCacheProject): Promise<ProjectInputs> {
    const namespace = project.metadata.namespace ?? '';
    const endpointName = project.spec.endpointRef.name;
    const endpoint = await deps.kube.get<RegistryEndpoint>({ apiVersion: API_VERSION, kind: REGISTRY_ENDPOINT.kind, namespace, name: endpointName });
    if (!endpoint) {
      throw new Blocked('EndpointNotFound', `RegistryEndpoint ${endpointName} not found in namespace ${namespace}: create it, or set spec.endpointRef.name to an existing one`);
    }
    let resolved;
    try {
      resolved = resolveEndpoint(endpoint);
    } catch (error) {
      if (error instanceof EndpointConfigError) throw new Blocked('EndpointInvalid', `RegistryEndpoint ${endpointName}: ${error.message}`);
      throw error;
    }
    const secret = async (secretName: string, field: string): Promise<V1Secret> => {
      const found = await deps.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
      if (!found) throw new Blocked('SecretNotFound', `Secret ${secretName} (${field}) not found in namespace ${namespace}: create it, or fix ${field}`);
      return found;
    };
    const inputs: ProjectInputs = { project, endpoint, resolved, defaultImage: deps.defaultImage, ...(deps.proxyPod ? { pod: deps.proxyPod } : {}) };
    if (endpoint.spec.credentialsSecretRef) inputs.credentials = await secret(endpoint.spec.credentialsSecretRef.name, `RegistryEndpoint ${endpointName} spec.credentialsSecretRef`);
    if (endpoint.spec.tls?.caSecretRef) inputs.ca = await secret(endpoint.spec.tls.caSecretRef.name, `RegistryEndpoint ${endpointName} spec.tls.caSecretRef`);
    const access = project.spec.access;
    if (access?.htpasswdSecretRef && access.anonymous !== true) inputs.htpasswd = await secret(access.htpasswdSecretRef.name, 'spec.access.htpasswdSecretRef');
    try {
      // Render once here so a bad value is reported as a condition, not retried as an error.
      desiredChildren(inputs);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof SecretShapeError) throw new Blocked('InvalidConfiguration', error.message);
      throw error;
    }
    return inputs;
  }

  async function fetchStats(project: ProxyCacheProject, service: V1Service | undefined): Promise<ProxyStats | undefined> {
    const url = operatorProxyUrl(project, service, deps.proxyUrls);
    try {
      return await deps.stats(url);
    } catch (error) {
      deps.log.debug('proxy stats not available', { namespace: project.metadata.namespace, name: project.metadata.name, error: String(error) });
      return undefined;
    }
  }

  async function recordTransition(project: ProxyCacheProject & KubernetesObject, ready: { status: string; reason: string; message: string }): Promise<void> {
    const before = findCondition(project.status?.conditions, 'Ready');
    if (before && before.status === ready.status && before.reason === ready.reason) return;
    deps.log.info('project readiness changed', { namespace: project.metadata.namespace, name: project.metadata.name, ready: ready.status, reason: ready.reason });
    await deps.kube
      .event({ regarding: project, type: ready.status === 'True' || ready.reason === 'Deploying' ? 'Normal' : 'Warning', reason: ready.reason, message: ready.message })
      .catch((error: unknown) => deps.log.warn('could not record event', { name: project.metadata.name, error: String(error) }));
  }
}
