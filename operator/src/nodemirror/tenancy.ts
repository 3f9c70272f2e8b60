// Who may mirror a registry onto the nodes. Node mirroring rewrites every targeted node's runtime config for a
// registry (docker.io, ghcr.io, …), so it is a cluster-wide power: a tenant who may create a ProxyCacheProject in
// its own namespace must not get it by default. Only projects in namespaces a cluster admin allowed mirror:
// - a namespace labelled berth.dev/node-mirror=allowed (namespaces are cluster-scoped: the built-in admin and
//   edit roles a tenant gets in its namespace cannot change its labels), or
// - a namespace named in the operator's --node-mirror-namespace (the chart's nodeMirror.allowedNamespaces).
// Projects elsewhere keep their cache; they are left out of the node agent's config (before the oldest-project
// rule, so they cannot hold a registry either) and get NodeMirrorReady=False, reason NamespaceNotAllowed.
import type { ProxyCacheProject } from '../api/index.ts';

export const NODE_MIRROR_LABEL = 'berth.dev/node-mirror';
export const NODE_MIRROR_ALLOWED = 'allowed';
export const NOT_ALLOWED_REASON = 'NamespaceNotAllowed';

export interface NodeMirrorPolicy {
  /** Namespaces that carry berth.dev/node-mirror=allowed (the operator watches exactly those). */
  labelled: ReadonlySet<string>;
  /** Namespaces the operator was started with (--node-mirror-namespace). */
  listed: ReadonlySet<string>;
}

/** Undefined when the project's namespace may mirror onto nodes; otherwise the message for its condition. */
export function nodeMirrorRefusal(project: ProxyCacheProject, policy: NodeMirrorPolicy): string | undefined {
  const ns = project.metadata.namespace ?? '';
  if (policy.labelled.has(ns) || policy.listed.has(ns)) return undefined;
  return (
    `namespace ${ns} is not allowed to mirror registries onto nodes (the cache itself runs); a cluster admin allows it with ` +
    `\`kubectl label namespace ${ns} ${NODE_MIRROR_LABEL}=${NODE_MIRROR_ALLOWED}\` or the chart value nodeMirror.allowedNamespaces`
  );
}

/** Splits the projects into those that may mirror and the refused ones (project key → message). */
export function partitionByPolicy(projects: ProxyCacheProject[], policy: NodeMirrorPolicy, key: (p: ProxyCacheProject) => string): { allowed: ProxyCacheProject[]; refused: Map<string, string> } {
  const allowed: ProxyCacheProject[] = [];
  const refused = new Map<string, string>();
  for (const p of projects) {
    const why = p.spec.nodeMirror?.enabled === true ? nodeMirrorRefusal(p, policy) : undefined;
    if (why === undefined) allowed.push(p);
    else refused.set(key(p), why);
  }
  return { allowed, refused };
}
