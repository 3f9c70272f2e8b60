// The node agent's configuration: which registries every node's runtime should pull through the cache, and how
// nodes reach it. The operator renders it into a ConfigMap from all ProxyCacheProjects with nodeMirror.enabled;
// a person can also write one by hand and run `berth-proxy node-agent --once` to see what it would do.
//
//   nodeReports: { namespace: berth-system }   # optional: where in-cluster reports go (default: the pod's namespace)
//   resync: 5m                                 # optional: periodic re-apply in loop mode (default 5m; ../duration.ts)
//   registries:
//     - registry: docker.io                    # the registry host pods name in their image references
//       project: team-a/docker-hub             # the owning ProxyCacheProject (namespace/name)
//       mirror: http://10.96.0.50:5000         # the cache as nodes reach it: ClusterIP, NodePort, ingress host, URL
//       pathPrefix: /v2/docker.io              # where the cache serves this registry
//       upstream: https://registry-1.docker.io # the runtime's fallback when the cache is down
//       rootMirror: true                       # optional: the cache also serves it at /v2/ (Docker needs that)
//       runtimes: [containerd, k3s, rke2, crio, docker]   # optional: default all of them
//       tls: { insecureSkipVerify: false, caFile: /etc/berth/ca.crt }   # optional; caFile is a path on the node
//       nodeSelector: { kubernetes.io/os: linux }         # optional: only nodes with these labels
import { parse, stringify } from 'yaml';
import { parseDuration } from '../duration.ts';

export const RUNTIMES = ['containerd', 'k3s', 'rke2', 'crio', 'docker'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface MirroredRegistry {
  registry: string;
  project: string;
  mirror: string;
  pathPrefix: string;
  upstream: string;
  rootMirror: boolean;
  runtimes: RuntimeName[];
  tls: { insecureSkipVerify: boolean; caFile?: string };
  nodeSelector: Record<string, string>;
}

export interface NodeAgentConfig {
  nodeReports: { namespace?: string };
  resyncSeconds: number;
  registries: MirroredRegistry[];
}

export class NodeAgentConfigError extends Error {
  override name = 'NodeAgentConfigError';
}

const DEFAULT_RESYNC_SECONDS = 300;
const REGISTRY_HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::[0-9]{1,5})?$/;

export function parseNodeAgentConfig(yamlText: string): NodeAgentConfig {
  let doc: unknown;
  try {
    doc = parse(yamlText);
  } catch (err) {
    throw new NodeAgentConfigError(`not valid YAML: ${(err as Error).message}`);
  }
  return validateNodeAgentConfig(doc ?? {});
}

export function renderNodeAgentConfig(cfg: NodeAgentConfig): string {
  const registries = cfg.registries.map((r) => {
    const tls: Record<string, unknown> = { insecureSkipVerify: r.tls.insecureSkipVerify };
    if (r.tls.caFile !== undefined) tls.caFile = r.tls.caFile;
    const out: Record<string, unknown> = {
      registry: r.registry,
      project: r.project,
      mirror: r.mirror,
      pathPrefix: r.pathPrefix,
      upstream: r.upstream,
      rootMirror: r.rootMirror,
      runtimes: r.runtimes,
      tls,
    };
    if (Object.keys(r.nodeSelector).length > 0) out.nodeSelector = r.nodeSelector;
    return out;
  });
  const doc: Record<string, unknown> = {};
  if (cfg.nodeReports.namespace !== undefined) doc.nodeReports = { namespace: cfg.nodeReports.namespace };
  doc.resync = `${cfg.resyncSeconds}s`;
  doc.registries = registries;
  return stringify(doc);
}

export function validateNodeAgentConfig(obj: unknown): NodeAgentConfig {
  const root = record(obj, '(root)');
  onlyKeys(root, '', ['nodeReports', 'resync', 'registries']);
  const nodeReports: NodeAgentConfig['nodeReports'] = {};
  if (root.nodeReports !== undefined) {
    const nr = record(root.nodeReports, 'nodeReports');
    onlyKeys(nr, 'nodeReports.', ['namespace']);
    if (nr.namespace !== undefined) nodeReports.namespace = str(nr.namespace, 'nodeReports.namespace');
  }
  const resyncSeconds = root.resync === undefined ? DEFAULT_RESYNC_SECONDS : duration(root.resync, 'resync');
  const list = root.registries ?? [];
  if (!Array.isArray(list)) throw new NodeAgentConfigError('registries: must be a list');
  const registries = list.map((item, i) => registryEntry(item, `registries[${i}]`));
  const seen = new Map<string, number>();
  registries.forEach((r, i) => {
    const first = seen.get(r.registry);
    if (first !== undefined) {
      throw new NodeAgentConfigError(`registries[${i}].registry: "${r.registry}" is already mirrored by registries[${first}]`);
    }
    seen.set(r.registry, i);
  });
  return { nodeReports, resyncSeconds, registries };
}

function registryEntry(item: unknown, at: string): MirroredRegistry {
  const e = record(item, at);
  onlyKeys(e, `${at}.`, ['registry', 'project', 'mirror', 'pathPrefix', 'upstream', 'rootMirror', 'runtimes', 'tls', 'nodeSelector']);
  const registry = str(e.registry, `${at}.registry`);
  if (!REGISTRY_HOST.test(registry)) {
    throw new NodeAgentConfigError(`${at}.registry: "${registry}" is not a registry host (e.g. docker.io, ghcr.io, 10.0.0.5:5000)`);
  }
  const pathPrefix = e.pathPrefix === undefined ? `/v2/${registry}` : str(e.pathPrefix, `${at}.pathPrefix`);
  if (!/^\/v2(\/[A-Za-z0-9._:-]+)*$/.test(pathPrefix)) {
    throw new NodeAgentConfigError(`${at}.pathPrefix: "${pathPrefix}" must start with /v2 (e.g. /v2/${registry})`);
  }
  const runtimes = e.runtimes === undefined ? [...RUNTIMES] : runtimeList(e.runtimes, `${at}.runtimes`);
  const tls: MirroredRegistry['tls'] = { insecureSkipVerify: false };
  if (e.tls !== undefined) {
    const t = record(e.tls, `${at}.tls`);
    onlyKeys(t, `${at}.tls.`, ['insecureSkipVerify', 'caFile']);
    if (t.insecureSkipVerify !== undefined) tls.insecureSkipVerify = bool(t.insecureSkipVerify, `${at}.tls.insecureSkipVerify`);
    if (t.caFile !== undefined) tls.caFile = str(t.caFile, `${at}.tls.caFile`);
  }
  const nodeSelector: Record<string, string> = {};
  if (e.nodeSelector !== undefined) {
    for (const [k, v] of Object.entries(record(e.nodeSelector, `${at}.nodeSelector`))) {
      nodeSelector[k] = str(v, `${at}.nodeSelector.${k}`);
    }
  }
  return {
    registry,
    project: str(e.project, `${at}.project`),
    mirror: mirrorUrl(e.mirror, `${at}.mirror`),
    pathPrefix,
    upstream: httpUrl(e.upstream, `${at}.upstream`),
    rootMirror: e.rootMirror === undefined ? false : bool(e.rootMirror, `${at}.rootMirror`),
    runtimes,
    tls,
    nodeSelector,
  };
}

/** The cache address must be one a node's runtime can dial from the host network: never a cluster DNS name. */
export function mirrorUrl(value: unknown, at: string): string {
  const url = httpUrl(value, at);
  const host = new URL(url).hostname;
  if (/\.svc(\.|$)/.test(host) || host.endsWith('.cluster.local')) {
    throw new NodeAgentConfigError(
      `${at}: "${url}" names a cluster DNS name that node runtimes cannot resolve (use the ClusterIP, a NodePort, an ingress host or an explicit URL)`,
    );
  }
  if (new URL(url).pathname !== '/') {
    throw new NodeAgentConfigError(`${at}: "${url}" must be scheme://host[:port] only (the path goes in pathPrefix)`);
  }
  return url.replace(/\/$/, '');
}

function httpUrl(value: unknown, at: string): string {
  const s = str(value, at);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new NodeAgentConfigError(`${at}: "${s}" is not a URL (e.g. http://10.96.0.50:5000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeAgentConfigError(`${at}: "${s}" must be an http:// or https:// URL`);
  }
  if (url.username || url.password) throw new NodeAgentConfigError(`${at}: must not carry credentials`);
  return s.replace(/\/$/, '');
}

function runtimeList(value: unknown, at: string): RuntimeName[] {
  if (!Array.isArray(value)) throw new NodeAgentConfigError(`${at}: must be a list of ${RUNTIMES.join(', ')}`);
  return value.map((v, i) => {
    if (!(RUNTIMES as readonly unknown[]).includes(v)) {
      throw new NodeAgentConfigError(`${at}[${i}]: ${JSON.stringify(v)} is not one of ${RUNTIMES.join(', ')}`);
    }
    return v as RuntimeName;
  });
}

/** Seconds of a duration in Berth's one grammar (../duration.ts), above zero: a zero resync would spin. */
function duration(value: unknown, at: string): number {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) throw new NodeAgentConfigError(`${at}: ${JSON.stringify(value)} is not a duration (use e.g. 30s, 5m, 168h)`);
  if (ms <= 0) throw new NodeAgentConfigError(`${at}: must be longer than 0s`);
  return ms / 1000;
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NodeAgentConfigError(`${at}: must be a mapping`);
  }
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, prefix: string, allowed: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new NodeAgentConfigError(`${prefix}${key}: unknown key (known: ${allowed.join(', ')})`);
  }
}

function str(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') throw new NodeAgentConfigError(`${at}: must be a non-empty string`);
  return value;
}

function bool(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') throw new NodeAgentConfigError(`${at}: must be true or false`);
  return value;
}
