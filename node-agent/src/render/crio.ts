// CRI-O / podman: a registries.conf.d drop-in per mirrored registry (containers-registries.conf(5), v2 format).
// Mirrors are tried in order, then `location`: the upstream stays the fallback. Mirror locations carry no scheme
// and no /v2: containers/image adds `/v2/` after the location, so the cache's path prefix goes in without it.
import type { MirroredRegistry } from '@berth/contracts/node-agent';
import { tomlString } from './containerd.ts';

/** Late in the order so Berth's entry wins over a distribution's defaults for the same prefix. */
const ORDER = '90';

export function crioDropInName(registry: string): string {
  return `${ORDER}-berth-${registry.replace(/:/g, '_')}.conf`;
}

export function renderCrioDropIn(r: MirroredRegistry): string {
  const upstream = new URL(r.upstream);
  const location = isDefaultUpstream(r.registry, upstream) ? r.registry : upstream.host + upstream.pathname.replace(/\/$/, '');
  const mirror = new URL(r.mirror);
  const lines = [
    `# Written by berth-proxy node-agent for ProxyCacheProject ${r.project}; do not edit: it is rewritten.`,
    '[[registry]]',
    `prefix = ${tomlString(r.registry)}`,
    `location = ${tomlString(location)}`,
  ];
  if (upstream.protocol === 'http:') lines.push('insecure = true');
  lines.push(
    '',
    '[[registry.mirror]]',
    `location = ${tomlString(mirror.host + r.pathPrefix.replace(/^\/v2/, ''))}`,
  );
  if (mirror.protocol === 'http:' || r.tls.insecureSkipVerify) lines.push('insecure = true');
  lines.push('pull-from-mirror = "all"');
  return lines.join('\n') + '\n';
}

/** Whether the upstream is what the runtime would use for the registry anyway (docker.io's is registry-1). */
export function isDefaultUpstream(registry: string, upstream: URL): boolean {
  if (upstream.protocol !== 'https:' || (upstream.pathname !== '/' && upstream.pathname !== '')) return false;
  if (registry === 'docker.io') return upstream.host === 'registry-1.docker.io' || upstream.host === 'docker.io';
  return upstream.host === registry;
}
