// Whether k3s or RKE2 runs with --disable-default-registry-endpoint, which removes the `server` fallback from every
// hosts.toml it renders (k3s pkg/agent/containerd/config.go: `if noDefaultEndpoint { c.Default = nil }`). The flag
// comes from the command line (the systemd unit the install script writes) or the config file: config.yaml, then
// config.yaml.d/*.yaml (or .yml, any case) in name order, the last file that sets a key winning; the command line
// wins over them all, `=false` included (k3s pkg/configfilearg puts the files' flags before the command line's).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

const FLAG = 'disable-default-registry-endpoint';

const UNITS: Record<'k3s' | 'rke2', string[]> = {
  k3s: ['/etc/systemd/system/k3s.service', '/etc/systemd/system/k3s-agent.service'],
  rke2: ['/etc/systemd/system/rke2-server.service', '/etc/systemd/system/rke2-agent.service', '/usr/local/lib/systemd/system/rke2-server.service', '/usr/local/lib/systemd/system/rke2-agent.service', '/usr/lib/systemd/system/rke2-server.service', '/usr/lib/systemd/system/rke2-agent.service'],
};

export interface DefaultEndpointSetting {
  disabled: boolean;
  /** The node file that set it; absent when nothing does (k3s's default: the fallback is on). */
  from?: string;
}

export async function defaultRegistryEndpoint(hostRoot: string, distro: 'k3s' | 'rke2'): Promise<DefaultEndpointSetting> {
  let setting: DefaultEndpointSetting = { disabled: false };
  const dir = `/etc/rancher/${distro}`;
  const dropIns = await readdir(join(hostRoot, dir, 'config.yaml.d')).catch(() => [] as string[]);
  const files = [`${dir}/config.yaml`, ...dropIns.filter((n) => /\.ya?ml$/i.test(n)).sort().map((n) => `${dir}/config.yaml.d/${n}`)];
  for (const file of files) {
    const value = await configValue(join(hostRoot, file));
    if (value !== undefined) setting = { disabled: value, from: file };
  }
  for (const unit of UNITS[distro]) {
    const text = await readText(join(hostRoot, unit));
    const flag = text === undefined ? null : new RegExp(`--${FLAG}(?:=(true|false))?(?=['"\\s\\\\]|$)`, 'm').exec(text);
    if (flag) return { disabled: flag[1] !== 'false', from: unit };
  }
  return setting;
}

async function configValue(path: string): Promise<boolean | undefined> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    const doc = parse(text) as Record<string, unknown> | null;
    const v = doc?.[FLAG];
    return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
  } catch {
    return undefined; // k3s would refuse to start; not the agent's file to judge
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
