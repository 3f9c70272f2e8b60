// Wires the node mirror builders (this folder, contract 5) into the controller: renders the node agent's ConfigMap
// and DaemonSet from all projects, and sums the nodes' reports into each project's status. The rendering and the
// parsed reports are kept between reconciles and made again only after a watch event changed their inputs
// (input-tracker.ts): a resync of n unchanged projects renders nothing, where each project's summary used to render
// every project again.
import type { V1ConfigMap, V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { parseNodeReport, summarizeNodeMirror, type NodeMirrorSummary, type NodeReport } from './summarize.ts';
import { nodeMirrorCleanup, type CleanupState } from './cleanup.ts';
import { CONFIG_HASH_ANNOTATION, desiredNodeAgent, NODE_AGENT_NAME, type DesiredNodeAgent, type ResolvedMirror } from './desired.ts';
import { projectKey } from './conflicts.ts';
import { InputTracker } from './input-tracker.ts';
import type { WatchVerb } from '../kube/informer.ts';
import { resolveEndpoint } from '../children/provider-defaults.ts';
import type { PodSettings } from '../children/pod-settings.ts';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { NodeMirrorView } from '../project/node-mirror-view.ts';

export interface NodeMirrorSources {
  projects(): ProxyCacheProject[];
  endpoints(): RegistryEndpoint[];
  reports(): V1ConfigMap[];
  nodes(): V1Node[];
  /** Namespaces labelled berth.dev/node-mirror=allowed (tenancy.ts). */
  allowedNamespaces(): ReadonlySet<string>;
}

export interface NodeMirrorSyncOptions {
  kube: KubeClient;
  sources: NodeMirrorSources;
  /** The operator's namespace: the agent's DaemonSet, its ConfigMap and the node reports live there. */
  namespace: string;
  image: string;
  /** The agent's pod settings (--node-agent-pod, --image-pull-secret). */
  pod?: PodSettings;
  /** Namespaces allowed to mirror onto nodes without the label (--node-mirror-namespace). */
  listedNamespaces?: readonly string[];
  /** Queues the agent's re-render (coalesced by the work queue). */
  enqueueAgent: () => void;
  /** Receives each project's node figures, for the node mirror metric. */
  onSummary?: (project: ProxyCacheProject, summary: NodeMirrorSummary) => void;
  /** The renderer (desiredNodeAgent); a test passes a counting one. */
  render?: typeof desiredNodeAgent;
}

const REAPPLY_MS = 5 * 60_000;

export class NodeMirrorSync implements NodeMirrorView {
  private lastApplied: { fingerprint: string; at: number } | undefined;
  private readonly inputs = new InputTracker();
  private rendered: DesiredNodeAgent | undefined;
  private parsedReports: NodeReport[] | undefined;

  constructor(private readonly options: NodeMirrorSyncOptions) {}

  /** A project's watch event; true when it changed what the agent renders. */
  projectEvent(project: ProxyCacheProject, verb: WatchVerb): boolean {
    return this.inputs.project(project, verb);
  }

  /** An endpoint's watch event; true when it changed the endpoint's spec. */
  endpointEvent(endpoint: RegistryEndpoint, verb: WatchVerb): boolean {
    return this.inputs.endpoint(endpoint, verb);
  }

  /** The allowed namespaces changed. */
  namespacesChanged(): void {
    this.inputs.namespaces();
  }

  /** A node report was written or removed. */
  reportsChanged(): void {
    this.parsedReports = undefined;
  }

  async projectsChanged(): Promise<void> {
    this.options.enqueueAgent();
  }

  async summarize(project: ProxyCacheProject): Promise<NodeMirrorSummary | undefined> {
    if (project.spec.nodeMirror?.enabled !== true) return undefined;
    const desired = this.desired();
    const conflictWith = desired.conflicts.get(projectKey(project));
    const refused = desired.refused.get(projectKey(project));
    const configHash = desired.configMap.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    const summary = summarizeNodeMirror(project, this.reports(), this.options.sources.nodes(), {
      ...(conflictWith !== undefined ? { conflictWith } : {}),
      ...(refused !== undefined ? { refused } : {}),
      ...(configHash !== undefined ? { configHash } : {}),
    });
    this.options.onSummary?.(project, summary);
    return summary;
  }

  cleanup(project: ProxyCacheProject, now: Date): CleanupState {
    return nodeMirrorCleanup(project, this.reports(), this.options.sources.nodes(), now);
  }

  private reports(): NodeReport[] {
    this.parsedReports ??= this.options.sources.reports().map(parseNodeReport).filter((r): r is NodeReport => r !== undefined);
    return this.parsedReports;
  }

  /** Applies the agent's ConfigMap and DaemonSet once any project mirrors, and keeps them after (an empty config
   *  is how the agents learn to restore what they replaced). */
  async syncAgent(): Promise<void> {
    const desired = this.desired();
    // Projects refused by the tenancy policy do not count: they alone never put the agent on the nodes.
    const any = this.options.sources.projects().some((p) => p.spec.nodeMirror?.enabled === true && !desired.refused.has(projectKey(p)));
    if (!any) {
      const existing = await this.options.kube.get<V1DaemonSet>({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: this.options.namespace, name: NODE_AGENT_NAME });
      if (!existing) return;
    }
    // Every mirroring project's reconcile queues this: skip the writes when nothing changed since the last one,
    // but apply again after a while anyway, so a hand-deleted or edited DaemonSet comes back.
    const fingerprint = JSON.stringify([desired.configMap, desired.daemonSet]);
    if (this.lastApplied && fingerprint === this.lastApplied.fingerprint && Date.now() - this.lastApplied.at < REAPPLY_MS) return;
    await this.options.kube.apply(desired.configMap);
    await this.options.kube.apply(desired.daemonSet);
    this.lastApplied = { fingerprint, at: Date.now() };
  }

  /** The agent's ConfigMap and DaemonSet, rendered again only when an input changed since the last rendering. */
  private desired(): DesiredNodeAgent {
    if (this.inputs.takeChanged() || !this.rendered) this.rendered = this.render();
    return this.rendered;
  }

  private render(): DesiredNodeAgent {
    const endpoints = new Map(this.options.sources.endpoints().map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
    const resolved: Record<string, ResolvedMirror> = {};
    const projects = this.options.sources.projects();
    for (const p of projects) {
      const endpoint = endpoints.get(`${p.metadata.namespace}/${p.spec.endpointRef.name}`);
      if (!endpoint) continue;
      try {
        const r = resolveEndpoint(endpoint);
        resolved[projectKey(p)] = { registry: p.spec.registry ?? r.registry, upstream: r.url };
      } catch {
        // An endpoint without a URL: the project's own status says so; the agent leaves it out.
      }
    }
    const policy = { labelled: this.options.sources.allowedNamespaces(), listed: new Set(this.options.listedNamespaces ?? []) };
    const render = this.options.render ?? desiredNodeAgent;
    return render(projects, { namespace: this.options.namespace, image: this.options.image, ...(this.options.pod ? { pod: this.options.pod } : {}), resolved, policy });
  }
}
