// containerd's per-registry hosts.toml (<config_path>/<registry>/hosts.toml, see containerd docs/hosts.md):
// the cache first, under its path prefix with override_path (else containerd appends /v2 itself), and the
// upstream kept as `server`, which containerd tries last: nodes still pull when the cache is down.
import type { MirroredRegistry } from '@berth/contracts/node-agent';

export function renderHostsToml(r: MirroredRegistry): string {
  const lines = [
    `# Written by berth-proxy node-agent for ProxyCacheProject ${r.project}; do not edit: it is rewritten.`,
    `server = ${tomlString(r.upstream)}`,
    '',
    `[host.${tomlString(r.mirror + r.pathPrefix)}]`,
    '  capabilities = ["pull", "resolve"]',
    '  override_path = true',
  ];
  if (r.mirror.startsWith('https:')) {
    if (r.tls.insecureSkipVerify) lines.push('  skip_verify = true');
    if (r.tls.caFile !== undefined) lines.push(`  ca = ${tomlString(r.tls.caFile)}`);
  }
  return lines.join('\n') + '\n';
}

/** A TOML basic string; JSON's escapes are a subset of TOML's. */
export function tomlString(s: string): string {
  return JSON.stringify(s);
}
