// The operator's control loop: watches feed one per-object work queue; each key is reconciled level-based.
// What is relied on and what is replaced:
// - client-node 2.x: KubeConfig, informers (list + watch + 410 re-list), KubernetesObjectApi (server-side
//   apply), CustomObjectsApi (status, finalizers), CoordinationV1Api (Lease).
// - @dot-i/k8s-operator is not used: its watch loop exits the process on errors, its single global queue neither
//   coalesces per object nor retries, and its status/finalizer calls ignore kubeconfig TLS settings and hide
//   failures (../shared/notes/libraries.md). ResilientInformer, WorkQueue, kubeClient and LeaderElector replace it.
import type { KubeConfig, KubernetesObject, V1ConfigMap, V1Deployment, V1Node, V1OwnerReference, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { REPORT_LABEL } from '@berth/contracts/node-agent';
import { API_VERSION, PROXY_CACHE_PROJECT, REGISTRY_ENDPOINT, type ProxyCacheProject, type RegistryEndpoint } from './api/index.ts';
import { MANAGED_BY } from './children/names.ts';
import { endpointReconciler } from './endpoint/reconciler.ts';
import { ChangeFilter } from './kube/change-filter.ts';
import { ResilientInformer, type WatchSpec, type WatchVerb } from './kube/informer.ts';
import { kubeClient, type KubeClient } from './kube/kube-client.ts';
import type { Logger } from './observe/logger.ts';
import type { OperatorMetrics } from './observe/metrics.ts';
import { NodeMirrorSync } from './nodemirror/sync.ts';
import { NODE_MIRROR_ALLOWED, NODE_MIRROR_LABEL } from './nodemirror/tenancy.ts';
import { projectReconciler } from './project/reconciler.ts';
import { CacheMembership } from './project/cache-groups.ts';
import { httpStatsFetcher, type StatsFetcher } from './project/proxy-stats.ts';
import { probeRegistry, type Prober } from './endpoint/registry-probe.ts';
import { WorkQueue } from './kube/workqueue.ts';
import type { PodSettings } from './children/pod-settings.ts';
import { s3ConfigMapName, s3SecretNames } from './children/s3-storage.ts';

export interface ControllerOptions {
  kc: KubeConfig;
  /** Watch one namespace; all when undefined. */
  watchNamespace?: string;
  /** Where the node agent and its reports live. */
  operatorNamespace: string;
  proxyImage: string;
  /** Settings for every cache's proxy pods and for the node agent's pods (--proxy-pod, --node-agent-pod). */
  proxyPod?: PodSettings;
  nodeAgentPod?: PodSettings;
  log: Logger;
  metrics: OperatorMetrics;
  stats?: StatsFetcher;
  probe?: Prober;
  kube?: KubeClient;
  resyncMs?: number;
  concurrency?: number;
  /** Proxy base URLs by `namespace/name`, for an operator outside the cluster (default: the Service's name). */
  proxyUrls?: ReadonlyMap<string, string>;
  /** Namespaces allowed to mirror onto nodes besides those labelled berth.dev/node-mirror=allowed. */
  nodeMirrorNamespaces?: readonly string[];
}

const NODE_AGENT_KEY = 'node-agent';

export class Controller {
  private readonly queue: WorkQueue;
  private readonly informers: ResilientInformer<KubernetesObject>[] = [];
  private readonly projects: ResilientInformer<ProxyCacheProject & KubernetesObject>;
  private readonly endpoints: ResilientInformer<RegistryEndpoint & KubernetesObject>;
  private readonly reports: ResilientInformer<V1ConfigMap>;
  private readonly nodes: ResilientInformer<V1Node>;
  private readonly mirrorNamespaces: ResilientInformer<KubernetesObject>;
  private readonly deployments: ResilientInformer<V1Deployment>;
  private readonly pvcs: ResilientInformer<V1PersistentVolumeClaim>;
  private readonly seenGeneration = new Map<string, number>();
  private readonly membership = new CacheMembership();
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: ControllerOptions) {
    const kube = options.kube ?? kubeClient(options.kc);
    const log = options.log;
    const ns = options.watchNamespace;
    // Node figures by project for the metric, kept only for projects that still exist and mirror.
    const nodeFigures = new Map<string, { namespace: string; project: string; configured: number; total: number }>();
    options.metrics.nodeMirrorSource = () => {
      const live = new Set(this.projects.list().filter((p) => p.spec.nodeMirror?.enabled === true).map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
      for (const key of nodeFigures.keys()) if (!live.has(key)) nodeFigures.delete(key);
      return nodeFigures.values();
    };
    const nodeMirror = new NodeMirrorSync({
      kube,
      namespace: options.operatorNamespace,
      image: options.proxyImage,
      ...(options.nodeAgentPod ? { pod: options.nodeAgentPod } : {}),
      ...(options.nodeMirrorNamespaces ? { listedNamespaces: options.nodeMirrorNamespaces } : {}),
      enqueueAgent: () => this.queue.add(NODE_AGENT_KEY),
      onSummary: (project, summary) => {
        const namespace = project.metadata?.namespace ?? '';
        const name = project.metadata?.name ?? '';
        nodeFigures.set(`${namespace}/${name}`, { namespace, project: name, configured: summary.configured, total: summary.total });
      },
      sources: {
        projects: () => this.projects.list(),
        endpoints: () => this.endpoints.list(),
        reports: () => this.reports.list(),
        nodes: () => this.nodes.list(),
        allowedNamespaces: () => new Set(this.mirrorNamespaces.list().map((n) => n.metadata?.name ?? '')),
      },
    });
    const watch = <T extends KubernetesObject>(spec: WatchSpec, onChange: (obj: T, verb: WatchVerb) => void): ResilientInformer<T> => {
      const informer = new ResilientInformer<T>(options.kc, spec, {
        log,
        onChange: (obj, verb) => onChange(obj as T, verb),
        onRestart: () => options.metrics.watchRestarts.inc({ resource: spec.plural }),
      });
      this.informers.push(informer as unknown as ResilientInformer<KubernetesObject>);
      return informer;
    };

    this.projects = watch({ apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind, plural: PROXY_CACHE_PROJECT.plural, namespace: ns }, (p, verb) => {
      const key = `pcp/${p.metadata?.namespace}/${p.metadata?.name}`;
      // The agent's config is rendered from status too (registry, node address): an event that changed what it is
      // rendered from re-renders it (coalesced, and a no-op when the rendered config is unchanged).
      if (nodeMirror.projectEvent(p, verb)) this.queue.add(NODE_AGENT_KEY);
      if (verb === 'delete') {
        this.seenGeneration.delete(key);
        this.queue.forget(key);
        this.wakeCaches(p, true);
        return;
      }
      // Status writes come back as updates: only a new generation or a deletion is new work.
      const generation = p.metadata?.generation ?? 0;
      if (this.seenGeneration.get(key) === generation && !p.metadata?.deletionTimestamp) return;
      this.seenGeneration.set(key, generation);
      this.queue.add(key);
      this.wakeCaches(p, false);
    });
    this.endpoints = watch({ apiVersion: API_VERSION, kind: REGISTRY_ENDPOINT.kind, plural: REGISTRY_ENDPOINT.plural, namespace: ns }, (e, verb) => {
      const namespace = e.metadata?.namespace ?? '';
      const key = `regep/${namespace}/${e.metadata?.name}`;
      nodeMirror.endpointEvent(e, verb);
      if (verb === 'delete') this.queue.forget(key);
      else if (this.seenGeneration.get(key) !== e.metadata?.generation || verb === 'add') {
        this.seenGeneration.set(key, e.metadata?.generation ?? 0);
        this.queue.add(key);
      }
      // Dependent projects see every endpoint change, status included: EndpointReady follows the probe.
      for (const p of this.projects.list(namespace)) if (p.spec.endpointRef.name === e.metadata?.name) this.enqueueProject(p);
    });
    // Secrets and Nodes only route events (by name, labels): their caches keep metadata alone — no Secret data in
    // memory, and a cluster full of Helm release Secrets costs names, not payloads. Referenced Secrets carry no
    // label of ours (users create them), so this one watch cannot be narrowed by a selector.
    watch<KubernetesObject>({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespace: ns, cache: 'metadata' }, (s) => this.secretChanged(s));
    // ConfigMaps the same way: a bucket's CA can be one (trust-manager, for one, publishes CA bundles as ConfigMaps),
    // and without this a project waiting for it, or due to roll for a new bundle, waited for the next resync.
    watch<KubernetesObject>({ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: ns, cache: 'metadata' }, (m) => this.configMapChanged(m));
    const ownedBy = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
    // Children route events by owner and are read by the reconcile between its own writes: the Deployment for its
    // progress (status; its spec is the operator's own), the claim whole (a smaller size must be refused).
    this.deployments = watch<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespace: ns, labelSelector: ownedBy, cache: 'status' }, (o) => this.ownerChanged(o));
    this.pvcs = watch<V1PersistentVolumeClaim>({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespace: ns, labelSelector: ownedBy }, (o) => this.ownerChanged(o));
    this.reports = watch<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: options.operatorNamespace, labelSelector: `${REPORT_LABEL}=true` }, () => {
      nodeMirror.reportsChanged();
      this.nodeMirrorChanged();
    });
    // The node mirror reads a Node's name, labels and deletionTimestamp; its status (image lists) is the bulk, and
    // is written far more often (heartbeats): only a node coming, going or relabelled changes the node figures.
    const nodeChanges = new ChangeFilter<V1Node>((n) => JSON.stringify([n.metadata?.labels ?? {}, n.metadata?.deletionTimestamp !== undefined]));
    this.nodes = watch<V1Node>({ apiVersion: 'v1', kind: 'Node', plural: 'nodes', cache: 'metadata' }, (n, verb) => {
      if (nodeChanges.changed(n.metadata?.name ?? '', n, verb)) this.nodeMirrorChanged();
    });
    // Namespaces a cluster admin allowed to mirror onto nodes (nodemirror/tenancy.ts): only the labelled ones are
    // listed and cached; removing the label is a delete here, and the agent's config drops their projects.
    this.mirrorNamespaces = watch<KubernetesObject>({ apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', labelSelector: `${NODE_MIRROR_LABEL}=${NODE_MIRROR_ALLOWED}`, cache: 'metadata' }, () => {
      nodeMirror.namespacesChanged();
      this.queue.add(NODE_AGENT_KEY);
      this.nodeMirrorChanged();
    });

    // The reconcilers read what the watches above hold.
    const caches = { projects: this.projects, endpoints: this.endpoints, deployments: this.deployments, pvcs: this.pvcs };
    const reconcileProject = projectReconciler({ kube, caches, nodeMirror, defaultImage: options.proxyImage, ...(options.proxyPod ? { proxyPod: options.proxyPod } : {}), log, stats: options.stats ?? httpStatsFetcher, resyncMs: options.resyncMs, ...(options.proxyUrls ? { proxyUrls: options.proxyUrls } : {}) });
    const reconcileEndpoint = endpointReconciler({ kube, endpoints: caches.endpoints, log, probe: options.probe ?? probeRegistry });

    this.queue = new WorkQueue(
      async (key) => {
        if (key === NODE_AGENT_KEY) return void (await nodeMirror.syncAgent());
        const [kind, namespace = '', name = ''] = key.split('/');
        return kind === 'pcp' ? reconcileProject(namespace, name) : reconcileEndpoint(namespace, name);
      },
      {
        concurrency: options.concurrency ?? 4,
        onError: (key, error, retryInMs) => log.warn('reconcile failed; retrying', { key, error: describe(error), retryInMs }),
        onDone: (key, outcome, ms) => {
          const kind = key.split('/')[0] ?? key;
          options.metrics.reconciles.inc({ kind, outcome });
          options.metrics.reconcileSeconds.observe({ kind }, ms / 1000);
          options.metrics.queueDepth.set(this.queue.depth);
        },
      },
    );
  }

  /** True once every watch has listed: the queue then works from complete caches. */
  get synced(): boolean {
    return this.informers.every((i) => i.hasSynced);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await Promise.all(this.informers.map((i) => i.start()));
    this.queue.add(NODE_AGENT_KEY);
    const resyncMs = this.options.resyncMs ?? 5 * 60_000;
    this.resyncTimer = setInterval(() => this.resync(), resyncMs);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.queue.shutdown();
  }

  /** Periodic resync: every object again, whatever the watches said (level-based safety net). */
  private resync(): void {
    for (const p of this.projects.list()) this.queue.add(`pcp/${p.metadata.namespace}/${p.metadata.name}`);
    for (const e of this.endpoints.list()) this.queue.add(`regep/${e.metadata.namespace}/${e.metadata.name}`);
    this.queue.add(NODE_AGENT_KEY);
  }

  private enqueueProject(p: ProxyCacheProject): void {
    this.queue.add(`pcp/${p.metadata.namespace}/${p.metadata.name}`);
  }

  private secretChanged(secret: KubernetesObject): void {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name;
    const endpoints = this.endpoints.list(namespace).filter((e) => e.spec.credentialsSecretRef?.name === name || e.spec.tls?.caSecretRef?.name === name);
    for (const e of endpoints) this.queue.add(`regep/${namespace}/${e.metadata.name}`);
    const endpointNames = new Set(endpoints.map((e) => e.metadata.name));
    for (const p of this.projects.list(namespace)) {
      // The serving certificate's Secret too: not to roll the pods (they reload it) but for TLSReady and to unblock
      // a project that waited for cert-manager to issue it.
      if (endpointNames.has(p.spec.endpointRef.name) || p.spec.access?.htpasswdSecretRef?.name === name || p.spec.tls?.secretName === name || s3SecretNames(p).includes(name ?? '')) this.enqueueProject(p);
    }
  }

  private configMapChanged(map: KubernetesObject): void {
    const name = map.metadata?.name;
    for (const p of this.projects.list(map.metadata?.namespace ?? '')) if (s3ConfigMapName(p) === name) this.enqueueProject(p);
  }

  private ownerChanged(obj: KubernetesObject): void {
    // Every owner: a shared cache's children are owned by each of its members.
    const owners = (obj.metadata?.ownerReferences ?? []).filter((o: V1OwnerReference) => o.kind === PROXY_CACHE_PROJECT.kind && o.apiVersion === API_VERSION);
    for (const owner of owners) this.queue.add(`pcp/${obj.metadata?.namespace}/${owner.name}`);
  }

  /** A project's spec changed: the members of the shared caches it is in, or was in, see their settings anew
   *  (a new oldest member, a conflict gone) and the cache it left drops it. */
  private wakeCaches(p: ProxyCacheProject, deleted: boolean): void {
    for (const key of this.membership.changed(p, deleted)) {
      const [namespace = '', cache] = key.split('/');
      for (const member of this.projects.list(namespace)) if (member.spec.sharedCache === cache && member.metadata.name !== p.metadata.name) this.enqueueProject(member);
    }
  }

  private nodeMirrorChanged(): void {
    for (const p of this.projects.list()) if (p.spec.nodeMirror?.enabled) this.enqueueProject(p);
  }
}

function describe(error: unknown): string {
  const e = error as { statusCode?: number; body?: { message?: string }; message?: string };
  return [e?.statusCode, e?.body?.message ?? e?.message ?? String(error)].filter((x) => x !== undefined).join(' ');
}

