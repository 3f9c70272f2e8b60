// Names and labels of a project's children. Service names must be DNS-1035 labels (≤ 63 characters), so long
// project names are cut and made unique again with a short hash of the full name.
import { createHash } from 'node:crypto';
import type { ProxyCacheProject } from '../api/index.ts';

export const PROXY_PORT = 5000;
/** The proxy's HTTPS port in the pod (spec.tls): unprivileged, as the pod runs without capabilities. */
export const PROXY_TLS_PORT = 5443;
/** The Service's HTTPS port: 443, so that clients name the cache without a port (https://cache.example.com). */
export const SERVICE_HTTPS_PORT = 443;
export const MANAGED_BY = 'berth-operator';

/** The name of the children serving the project: its own (berth-<project>) or its shared cache's (berth-cache-<cache>). */
export function childName(project: ProxyCacheProject): string {
  return project.spec.sharedCache ? sharedChildName(project.spec.sharedCache) : ownChildName(project);
}

/** The children's name of a project served by an instance of its own. */
export function ownChildName(project: ProxyCacheProject): string {
  return fitLabel(`berth-${project.metadata.name ?? ''}`.replace(/\./g, '-'));
}

export function sharedChildName(cache: string): string {
  return fitLabel(`berth-cache-${cache}`);
}

function fitLabel(base: string): string {
  if (base.length <= 63) return base;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** The proxy config's project name: [a-z0-9-]. */
export function proxyProjectName(project: ProxyCacheProject): string {
  return (project.metadata.name ?? '').replace(/\./g, '-');
}

/** Labels every child carries; `selectorLabels` is the stable subset used by the Service and PDB selectors. */
export function selectorLabels(project: ProxyCacheProject): Record<string, string> {
  return { 'app.kubernetes.io/name': 'berth-proxy', 'app.kubernetes.io/instance': childName(project) };
}

export function childLabels(project: ProxyCacheProject): Record<string, string> {
  return { ...selectorLabels(project), 'app.kubernetes.io/managed-by': MANAGED_BY, 'berth.dev/project': project.metadata.name ?? '' };
}
