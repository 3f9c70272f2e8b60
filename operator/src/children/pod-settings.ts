// Pod settings the cluster admin gives every pod the operator creates of one kind (the caches' proxy pods, the node
// agent's pods): pull secrets, scheduling, resources, annotations, priority. They come from the chart's values
// (proxy.*, nodeAgent.*) through the operator's flags, as JSON, parsed and checked here once, so a wrong value
// stops the operator at start with the flag's name instead of producing pods the apiserver refuses one by one.
import type { V1Affinity, V1NodeAffinity, V1NodeSelectorTerm, V1PodSpec, V1Toleration } from '@kubernetes/client-node';

export interface PodSettings {
  /** Names of Secrets of type kubernetes.io/dockerconfigjson in the pod's namespace. */
  imagePullSecrets?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  /** Pod annotations; the operator's own (the rollout hash) win over these. */
  podAnnotations?: Record<string, string>;
  priorityClassName?: string;
  /**
   * Node agent only: more host folders it reads, mounted read-only at the same path under its host root (e.g. the
   * folder of a containerd `imports` drop-in outside /etc/containerd, which it otherwise cannot read).
   */
  extraHostPaths?: string[];
}

export class PodSettingsError extends Error {
  override name = 'PodSettingsError';
  readonly code = 'BERTH_POD_SETTINGS_INVALID';
}

const KEYS = ['resources', 'nodeSelector', 'tolerations', 'affinity', 'podAnnotations', 'priorityClassName'] as const;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(value: unknown, what: string): Record<string, string> {
  if (!isObject(value)) throw new PodSettingsError(`${what} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new PodSettingsError(`${what}.${k} must be a string`);
  return value as Record<string, string>;
}

/** A quantity map (cpu: 100m, memory: 128Mi); numbers are accepted as YAML writes them and kept as strings. */
function quantities(value: unknown, what: string): Record<string, string> {
  if (!isObject(value)) throw new PodSettingsError(`${what} must be an object`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw new PodSettingsError(`${what}.${k} must be a quantity such as 100m or 128Mi`);
    return [k, String(v)];
  }));
}

/** Parses one flag's JSON (the chart's toJson of proxy.* or nodeAgent.*); '' or {} means none. */
export function parsePodSettings(json: string, flag: string, opts: { hostPaths?: boolean } = {}): PodSettings {
  if (json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new PodSettingsError(`--${flag} must be a JSON object: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new PodSettingsError(`--${flag} must be a JSON object`);
  const known: readonly string[] = opts.hostPaths ? [...KEYS, 'extraHostPaths'] : KEYS;
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length) throw new PodSettingsError(`--${flag}: unknown key(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const out: PodSettings = {};
  const where = (key: string) => `--${flag} ${key}`;
  if (value.resources !== undefined) {
    const r = value.resources;
    if (!isObject(r) || Object.keys(r).some((k) => k !== 'requests' && k !== 'limits')) throw new PodSettingsError(`${where('resources')} must have only requests and limits`);
    out.resources = {
      ...(r.requests !== undefined ? { requests: quantities(r.requests, where('resources.requests')) } : {}),
      ...(r.limits !== undefined ? { limits: quantities(r.limits, where('resources.limits')) } : {}),
    };
  }
  if (value.nodeSelector !== undefined) out.nodeSelector = stringMap(value.nodeSelector, where('nodeSelector'));
  if (value.podAnnotations !== undefined) out.podAnnotations = stringMap(value.podAnnotations, where('podAnnotations'));
  if (value.tolerations !== undefined) {
    if (!Array.isArray(value.tolerations) || !value.tolerations.every(isObject)) throw new PodSettingsError(`${where('tolerations')} must be a list of tolerations`);
    out.tolerations = value.tolerations as V1Toleration[];
  }
  if (value.affinity !== undefined) {
    if (!isObject(value.affinity)) throw new PodSettingsError(`${where('affinity')} must be an object`);
    out.affinity = value.affinity as V1Affinity;
  }
  if (value.priorityClassName !== undefined) {
    const p = value.priorityClassName;
    if (typeof p !== 'string' || (p !== '' && !DNS_SUBDOMAIN.test(p))) throw new PodSettingsError(`${where('priorityClassName')} must name a PriorityClass, got ${JSON.stringify(p)}`);
    if (p !== '') out.priorityClassName = p;
  }
  if (value.extraHostPaths !== undefined) {
    const paths = value.extraHostPaths;
    if (!Array.isArray(paths) || !paths.every(isHostFolder)) {
      throw new PodSettingsError(`${where('extraHostPaths')} must be a list of absolute host folders (not /, no . or .. parts), got ${JSON.stringify(paths)}`);
    }
    if (paths.length > 0) out.extraHostPaths = [...new Set(paths)];
  }
  return out;
}

/** An absolute, clean path other than / itself: /etc/containerd-extra, not etc/x, /a/../b or /a/. */
function isHostFolder(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 1024) return false;
  const parts = value.slice(1).split('/');
  return parts.every((p) => p !== '' && p !== '.' && p !== '..');
}

/** Checks one --image-pull-secret value: a Secret name. */
export function imagePullSecretName(value: string): string {
  const name = value.trim();
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new PodSettingsError(`--image-pull-secret must name a Secret, got ${JSON.stringify(value)}`);
  return name;
}

/** The pod-spec fields these settings set, for a builder to spread into its pod spec. */
export function podSpecFields(settings: PodSettings): Pick<V1PodSpec, 'imagePullSecrets' | 'priorityClassName'> {
  return {
    ...(settings.imagePullSecrets?.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(settings.priorityClassName ? { priorityClassName: settings.priorityClassName } : {}),
  };
}

/** Both node affinities at once: every computed term ANDed with every configured term (node selector terms are
 *  ORed, so the cross product is the only way to require both); preferences are the configured ones. */
export function combineNodeAffinity(computed: V1NodeAffinity | undefined, configured: V1NodeAffinity | undefined): V1NodeAffinity | undefined {
  const a = computed?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const b = configured?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const terms: V1NodeSelectorTerm[] | undefined = a && b
    ? a.flatMap((x) => b.map((y) => ({
        ...((x.matchExpressions ?? y.matchExpressions) ? { matchExpressions: [...(x.matchExpressions ?? []), ...(y.matchExpressions ?? [])] } : {}),
        ...((x.matchFields ?? y.matchFields) ? { matchFields: [...(x.matchFields ?? []), ...(y.matchFields ?? [])] } : {}),
      })))
    : a ?? b;
  const preferred = configured?.preferredDuringSchedulingIgnoredDuringExecution;
  if (!terms && !preferred) return undefined;
  return {
    ...(terms ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } : {}),
    ...(preferred ? { preferredDuringSchedulingIgnoredDuringExecution: preferred } : {}),
  };
}

export interface Resources {
  requests: Record<string, string>;
  limits?: Record<string, string>;
}

/** `over`'s resources on top of `base`: requests merge key by key; limits are `over`'s when it sets any. When `over`
 *  asks for memory without a limit, `base`'s limits are dropped: a request above them would make the pod invalid. */
export function layerResources(base: Resources, over: { requests?: Record<string, string | number>; limits?: Record<string, string | number> } | undefined): Resources {
  const requests = { ...base.requests, ...stringify(over?.requests) };
  if (over?.limits) return { requests, limits: stringify(over.limits) };
  if (over?.requests?.memory !== undefined || !base.limits) return { requests };
  return { requests, limits: { ...base.limits } };
}

function stringify(values: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]));
}
