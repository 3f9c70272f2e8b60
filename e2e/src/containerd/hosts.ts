// containerd's registry host configuration (`ctr --hosts-dir`, the CRI's config_path): <dir>/<registry>/hosts.toml.
// A mirror host with `override_path = true` is asked for /v2/<registry>/<repo>/… as its URL path says, instead of
// containerd adding /v2 and the `?ns=<registry>` query itself.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MirrorHost {
  /** http://127.0.0.1:PORT, or with override_path the full API root, e.g. http://127.0.0.1:PORT/v2/docker.io */
  url: string;
  overridePath?: boolean;
  /** A CA certificate file (PEM) this host's certificate is verified with (hosts.toml `ca`), for an https URL. */
  ca?: string;
}

/** Writes `<hostsDir>/<registry>/hosts.toml` sending pulls of `registry` to the mirrors, then to `server`. */
export async function writeHostsToml(hostsDir: string, registry: string, mirrors: MirrorHost[], server?: string): Promise<void> {
  const lines = [`server = ${JSON.stringify(server ?? `https://${registry}`)}`, ''];
  for (const mirror of mirrors) {
    lines.push(`[host.${JSON.stringify(mirror.url)}]`, '  capabilities = ["pull", "resolve"]');
    if (mirror.overridePath) lines.push('  override_path = true');
    if (mirror.ca) lines.push(`  ca = ${JSON.stringify(mirror.ca)}`);
    lines.push('');
  }
  await mkdir(join(hostsDir, registry), { recursive: true });
  await writeFile(join(hostsDir, registry, 'hosts.toml'), lines.join('\n'));
}
