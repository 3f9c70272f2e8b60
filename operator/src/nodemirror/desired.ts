// The node agent the operator runs: one DaemonSet on every node any project's nodeSelector picks, fed by one
// ConfigMap rendered from the ProxyCacheProjects with nodeMirror.enabled whose namespace may mirror onto nodes
// (tenancy.ts; contract 5). Pure: the reconciler resolves each project's registry, upstream and node address and
// passes them in.
import type { V1ConfigMap, V1DaemonSet, V1NodeAffinity, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { configHash, renderNodeAgentConfig, validateNodeAgentConfig } from '@berth/contracts/node-agent';
import type { ProxyCacheProject } from '../api/index.ts';
import { assignRegistries, projectKey, projectRegistry } from './conflicts.ts';
import { partitionByPolicy, type NodeMirrorPolicy } from './tenancy.ts';
import { servedAtRoot } from '../project/cache-groups.ts';
import { combineNodeAffinity, layerResources, podSpecFields, type PodSettings, type Resources } from '../children/pod-settings.ts';

export const NODE_AGENT_NAME = 'berth-node-agent';
export const AGENT_CONFIG_KEY = 'agent.yaml';
export const CONFIG_HASH_ANNOTATION = 'berth.dev/config-hash';
const CONFIG_DIR = '/etc/berth/node-agent';
const HOST_ROOT = '/host';
const STATE_DIR = '/var/lib/berth/node-agent';

/** What the reconciler knows about a project that its spec does not say. */
export interface ResolvedMirror {
  registry?: string;
  upstream?: string;
  /** From nodeMirrorAddress(); absent while the Service has no address yet. */
  address?: string;
}

export interface NodeAgentOptions {
  namespace: string;
  image: string;
  /** By project key (namespace/name); falls back to status.registry and status.urls.nodeMirror. */
  resolved?: Record<string, ResolvedMirror>;
  serviceAccountName?: string;
  /** Which namespaces may mirror onto nodes; projects elsewhere are left out (and so never hold a registry). */
  policy: NodeMirrorPolicy;
  /** The cluster admin's settings for the agent's pods (the chart's nodeAgent.* values). */
  pod?: PodSettings;
}

export interface DesiredNodeAgent {
  configMap: V1ConfigMap;
  daemonSet: V1DaemonSet;
  /** project key → the project that keeps the registry (NodeMirrorReady=False, reason Conflict). */
  conflicts: Map<string, string>;
  /** project key → why its namespace may not mirror onto nodes (NodeMirrorReady=False, reason NamespaceNotAllowed). */
  refused: Map<string, string>;
}

const DEFAULT_RESOURCES: Resources = { requests: { cpu: '5m', memory: '32Mi' }, limits: { memory: '128Mi' } };
// Every node, tainted or not, unless the admin lists tolerations: a node that cannot pull through the cache is the
// one that needs it.
const TOLERATE_ALL = [{ operator: 'Exists' }];

const labels = { 'app.kubernetes.io/name': NODE_AGENT_NAME, 'app.kubernetes.io/part-of': 'berth', 'app.kubernetes.io/managed-by': 'berth-operator' };
const selector = { 'app.kubernetes.io/name': NODE_AGENT_NAME };

/** The runtime's own upstream for a registry when the reconciler did not name one. */
function defaultUpstream(registry: string): string {
  return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
}

export function desiredNodeAgent(projects: ProxyCacheProject[], opts: NodeAgentOptions): DesiredNodeAgent {
  // The policy first: a refused project must not win a registry from an allowed one by being older.
  const { allowed, refused } = partitionByPolicy(projects, opts.policy, projectKey);
  const { owners, conflicts } = assignRegistries(allowed);
  const registries: unknown[] = [];
  const mirrored: ProxyCacheProject[] = [];
  for (const [registry, p] of [...owners].sort(([a], [b]) => a.localeCompare(b))) {
    const key = projectKey(p);
    const r = opts.resolved?.[key];
    const address = r?.address ?? p.status?.urls?.nodeMirror;
    // Left out until the cache has an address nodes can use (its status says so meanwhile).
    if (!address) continue;
    const nm = p.spec.nodeMirror ?? {};
    registries.push({
      registry: r?.registry ?? projectRegistry(p) ?? registry,
      project: key,
      mirror: address,
      pathPrefix: `/v2/${registry}`,
      upstream: r?.upstream ?? defaultUpstream(registry),
      // A project's own proxy serves its registry at /v2/ too; a shared cache, only its root member's (cache-groups.ts).
      rootMirror: servedAtRoot(p, projects),
      ...(nm.runtimes?.length ? { runtimes: [...nm.runtimes] } : {}),
      ...(nm.nodeSelector && Object.keys(nm.nodeSelector).length > 0 ? { nodeSelector: { ...nm.nodeSelector } } : {}),
    });
    mirrored.push(p);
  }
  // Through the agent's own validator: the operator never renders a config the agent would refuse.
  const text = renderNodeAgentConfig(validateNodeAgentConfig({ nodeReports: { namespace: opts.namespace }, registries }));
  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NODE_AGENT_NAME, namespace: opts.namespace, labels, annotations: { [CONFIG_HASH_ANNOTATION]: configHash(text) } },
    data: { [AGENT_CONFIG_KEY]: text },
  };
  return { configMap, daemonSet: daemonSet(opts, mirrored), conflicts, refused };
}

/** Host folders the agent reads or writes; Or-Create so one DaemonSet fits nodes of every runtime. */
const HOST_PATHS: { name: string; path: string; readOnly: boolean }[] = [
  { name: 'etc-containerd', path: '/etc/containerd', readOnly: false },
  { name: 'etc-docker', path: '/etc/docker', readOnly: false },
  { name: 'etc-rancher', path: '/etc/rancher', readOnly: false },
  { name: 'etc-containers', path: '/etc/containers', readOnly: false },
  { name: 'etc-crio', path: '/etc/crio', readOnly: true },
  { name: 'var-lib-rancher', path: '/var/lib/rancher', readOnly: true },
  { name: 'state', path: STATE_DIR, readOnly: false },
];

function daemonSet(opts: NodeAgentOptions, projects: ProxyCacheProject[]): V1DaemonSet {
  const volumes: V1Volume[] = [
    { name: 'config', configMap: { name: NODE_AGENT_NAME } },
    ...HOST_PATHS.map((h) => ({ name: h.name, hostPath: { path: h.path, type: 'DirectoryOrCreate' } })),
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    ...HOST_PATHS.map((h) => ({ name: h.name, mountPath: `${HOST_ROOT}${h.path}`, readOnly: h.readOnly })),
  ];
  const pod = opts.pod ?? {};
  const nodeAffinity = combineNodeAffinity(projectsAffinity(projects), pod.affinity?.nodeAffinity);
  const affinity = { ...pod.affinity, ...(nodeAffinity ? { nodeAffinity } : {}) };
  if (!nodeAffinity) delete affinity.nodeAffinity;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: NODE_AGENT_NAME, namespace: opts.namespace, labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
      template: {
        metadata: { labels, ...(pod.podAnnotations && Object.keys(pod.podAnnotations).length ? { annotations: { ...pod.podAnnotations } } : {}) },
        spec: {
          serviceAccountName: opts.serviceAccountName ?? NODE_AGENT_NAME,
          // No priority class unless the admin names one: system-node-critical suits the agent, but GKE refuses it
          // outside kube-system, and a DaemonSet whose pods are refused mirrors nothing.
          ...podSpecFields(pod),
          tolerations: pod.tolerations?.length ? pod.tolerations : TOLERATE_ALL,
          nodeSelector: { ...pod.nodeSelector, 'kubernetes.io/os': 'linux' },
          ...(Object.keys(affinity).length ? { affinity } : {}),
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'agent',
              image: opts.image,
              args: [
                'node-agent',
                '--config', `${CONFIG_DIR}/${AGENT_CONFIG_KEY}`,
                '--host-root', HOST_ROOT,
                '--state-dir', STATE_DIR,
                '--node-name', '$(NODE_NAME)',
                '--report-namespace', opts.namespace,
              ],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              // Root only to write the runtimes' root-owned files; no capabilities, no escalation, no host namespaces.
              securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              resources: layerResources(DEFAULT_RESOURCES, pod.resources),
              volumeMounts: mounts,
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** The union of the projects' nodeSelectors (terms are ORed); none when any project wants every node. */
function projectsAffinity(projects: ProxyCacheProject[]): V1NodeAffinity | undefined {
  const selectors = projects.map((p) => p.spec.nodeMirror?.nodeSelector ?? {});
  if (selectors.length === 0 || selectors.some((s) => Object.keys(s).length === 0)) return undefined;
  const terms = [...new Set(selectors.map((s) => JSON.stringify(Object.entries(s).sort())))].map((json) => ({
    matchExpressions: (JSON.parse(json) as [string, string][]).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
  }));
  return { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } };
}
