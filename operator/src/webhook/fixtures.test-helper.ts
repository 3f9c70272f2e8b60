// Projects, rules and pods for the webhook's unit tests.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { PodImageRewrite, ProxyCacheProject } from '../api/index.ts';
import { resolveRule, type RewriteRule } from './rules.ts';

export function project(name: string, opts: { namespace?: string; registry?: string; rewrite?: PodImageRewrite; created?: string; ingressHost?: string } = {}): ProxyCacheProject {
  return {
    apiVersion: 'berth.dev/v1alpha1',
    kind: 'ProxyCacheProject',
    metadata: { name, namespace: opts.namespace ?? 'caches', creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', uid: `uid-${name}` },
    spec: {
      endpointRef: { name },
      registry: opts.registry ?? 'quay.io',
      ...(opts.ingressHost ? { ingress: { host: opts.ingressHost } } : {}),
      podImageRewrite: { enabled: true, ...opts.rewrite },
    },
  };
}

export function service(clusterIP: string, nodePort?: number): V1Service {
  return { spec: { clusterIP, ports: [{ port: 5000, ...(nodePort ? { nodePort } : {}) }] } };
}

/** The rule of `p` (must resolve), its cache at 10.96.0.<n>:5000. */
export function rule(p: ProxyCacheProject, opts: { ip?: string; servesCluster?: boolean } = {}): RewriteRule {
  const ip = opts.ip ?? '10.96.0.10';
  const r = resolveRule({ project: p, service: service(ip), checkUrl: `http://${ip}:5000`, servesCluster: opts.servesCluster ?? false });
  if (!r || 'message' in r) throw new Error(`no rule for ${p.metadata.name}: ${r ? r.message : 'disabled'}`);
  return r;
}

export function pod(spec: Partial<NonNullable<V1Pod['spec']>>, metadata: V1Pod['metadata'] = {}): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps', ...metadata }, spec: { containers: [], ...spec } };
}

/** Applies the webhook's patch operations (add, replace, remove on objects and array indexes) to a copy. */
export function applyPatch<T>(doc: T, ops: readonly { op: string; path: string; value?: unknown }[]): T {
  const out = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let at: Record<string, unknown> = out;
    for (const p of parts) {
      if (at[p] === undefined) throw new Error(`patch path ${op.path}: ${p} does not exist`);
      at = at[p] as Record<string, unknown>;
    }
    if (op.op === 'remove') delete at[last];
    else if (op.op === 'replace' && !(last in at)) throw new Error(`replace of a missing ${op.path}`);
    else at[last] = op.value;
  }
  return out as unknown as T;
}
