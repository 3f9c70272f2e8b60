// A ProxyCacheProject's podImageRewrite, resolved into the rule the webhook applies: defaults filled in, patterns
// compiled, the address pods are rewritten to decided from the project's Service and ingress. Pure: the webhook
// resolves every project again from its watch caches, so a change to a project, its Service or a namespace label
// applies to the next pod.
import type { V1Service } from '@kubernetes/client-node';
import type { LabelSelector, PodImageRewriteMode, ProxyCacheProject } from '../api/index.ts';
import { PROXY_PORT } from '../children/names.ts';

/** The label that opts a namespace in (`enabled`) and a pod out (`disabled`) under the default selectors. */
const REWRITE_LABEL = 'berth.dev/pod-image-rewrite';
export const DEFAULT_NAMESPACE_SELECTOR: LabelSelector = { matchLabels: { [REWRITE_LABEL]: 'enabled' } };
export const DEFAULT_OBJECT_SELECTOR: LabelSelector = { matchExpressions: [{ key: REWRITE_LABEL, operator: 'NotIn', values: ['disabled'] }] };

export interface RewriteRule {
  /** namespace/name of the project. */
  key: string;
  project: ProxyCacheProject;
  /** The registry host the project caches, as image references name it (quay.io). */
  registry: string;
  mode: PodImageRewriteMode;
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  match: RegExp[];
  exclude: RegExp[];
  check: { enabled: boolean; platforms: string[]; podPlatform: boolean };
  /** The registry host rewritten images name: the cache as node runtimes reach it. */
  address: string;
  /** Where the operator asks the cache whether it can serve a manifest (its Service, or --proxy-url). */
  checkUrl: string;
  /** May rewrite pods of other namespaces than its own (a namespace trusted to serve the cluster). */
  servesCluster: boolean;
  /** Creation time, ms: the oldest of several projects of one registry wins. */
  created: number;
}

/** A project that asks for rewriting but cannot have it now; the message goes to its status. */
export interface RuleProblem {
  key: string;
  project: ProxyCacheProject;
  message: string;
}

export interface RuleInputs {
  project: ProxyCacheProject;
  service: V1Service | undefined;
  checkUrl: string;
  servesCluster: boolean;
}

/** undefined when rewriting is off for the project. */
export function resolveRule({ project, service, checkUrl, servesCluster }: RuleInputs): RewriteRule | RuleProblem | undefined {
  const spec = project.spec.podImageRewrite;
  if (spec?.enabled !== true) return undefined;
  const key = `${project.metadata.namespace ?? ''}/${project.metadata.name ?? ''}`;
  const problem = (message: string): RuleProblem => ({ key, project, message });
  const registry = (project.spec.registry ?? project.status?.registry ?? '').toLowerCase();
  if (!registry) return problem('the registry this project caches is not known yet (spec.registry, or the endpoint\'s default once reconciled)');
  // A rewritten reference names the registry as the first path component: a port's colon cannot be in a path.
  if (registry.includes(':')) return problem(`registry ${registry} has a port, which an image path cannot carry: pod images of this registry cannot be rewritten (use node mirroring)`);
  const patterns = (list: string[] | undefined, field: string): RegExp[] | string =>
    (list ?? []).reduce<RegExp[] | string>((acc, source) => {
      if (typeof acc === 'string') return acc;
      try {
        return [...acc, new RegExp(source)];
      } catch (error) {
        return `podImageRewrite.${field} ${JSON.stringify(source)} is not a regular expression: ${(error as Error).message}`;
      }
    }, []);
  const match = patterns(spec.match, 'match');
  if (typeof match === 'string') return problem(match);
  const exclude = patterns(spec.exclude, 'exclude');
  if (typeof exclude === 'string') return problem(exclude);
  const address = rewriteAddress(project, service);
  if ('pending' in address) return problem(address.pending);
  const created = Date.parse(String(project.metadata.creationTimestamp ?? ''));
  return {
    key,
    project,
    registry,
    mode: spec.mode ?? 'Rewrite',
    namespaceSelector: spec.namespaceSelector ?? DEFAULT_NAMESPACE_SELECTOR,
    objectSelector: spec.objectSelector ?? DEFAULT_OBJECT_SELECTOR,
    match,
    exclude,
    check: { enabled: spec.checkUpstream?.enabled ?? true, platforms: spec.checkUpstream?.platforms ?? [], podPlatform: spec.checkUpstream?.podPlatform ?? false },
    address: address.host,
    checkUrl,
    servesCluster,
    created: Number.isFinite(created) ? created : Number.MAX_SAFE_INTEGER,
  };
}

/** The host[:port] node runtimes pull rewritten images from; never a cluster DNS name they cannot resolve. */
export function rewriteAddress(project: ProxyCacheProject, service: V1Service | undefined): { host: string } | { pending: string } {
  const ingressHost = project.spec.ingress?.host;
  const choice = project.spec.podImageRewrite?.address ?? (ingressHost ? 'ingress' : 'clusterIP');
  if (choice === 'ingress') {
    if (!ingressHost || ingressHost.startsWith('*.')) return { pending: 'podImageRewrite.address ingress needs spec.ingress.host to be a host name (not a wildcard)' };
    return { host: ingressHost };
  }
  if (choice === 'nodePort') {
    const nodePort = service?.spec?.ports?.[0]?.nodePort;
    if (!nodePort) return { pending: 'waiting for the Service to get a node port' };
    // kube-proxy answers a NodePort on every node: each node's runtime pulls from its own loopback.
    return { host: `127.0.0.1:${nodePort}` };
  }
  if (choice === 'clusterIP') {
    const ip = service?.spec?.clusterIP;
    if (!ip || ip === 'None') return { pending: 'waiting for the Service to get a ClusterIP' };
    return { host: `${ip.includes(':') ? `[${ip}]` : ip}:${PROXY_PORT}` };
  }
  const hostname = choice.replace(/:\d+$/, '');
  if (/\.svc(\.|$)/.test(hostname) || hostname.endsWith('.cluster.local')) {
    return { pending: `podImageRewrite.address ${choice} is a cluster DNS name node runtimes cannot resolve: use clusterIP, nodePort, ingress or a name nodes resolve` };
  }
  return { host: choice.toLowerCase() };
}

/** Several projects may cache one registry: the pod's own namespace first, then the oldest, then by name. */
export function ruleOrder(podNamespace: string): (a: RewriteRule, b: RewriteRule) => number {
  const own = (r: RewriteRule) => (r.project.metadata.namespace === podNamespace ? 0 : 1);
  return (a, b) => own(a) - own(b) || a.created - b.created || a.key.localeCompare(b.key);
}
