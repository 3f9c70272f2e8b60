// Which runtimes a node has, found under --host-root (the node's / as the agent sees it), and where each takes
// its registry settings. The kubelet's view (node.status.nodeInfo.containerRuntimeVersion, e.g.
// "containerd://1.7.2") is a hint when the agent can read its Node: it names the runtime and its version.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeName } from './config.ts';
import { CONTAINERD2_DEFAULT_CONFIG_PATH, colonPathTrap, readContainerdConfig } from './containerd-config.ts';

export interface DetectedRuntime {
  name: RuntimeName;
  version?: string;
  /** The file the agent read or merges into (a node path, without host-root). */
  configFile?: string;
  /** containerd: the directory the agent writes <registry>/hosts.toml into. */
  hostsDir?: string;
  /** containerd: the config_path in force (explicit or 2.x's default), as written. */
  configPath?: string;
  /** containerd: hosts.toml is read at all (config_path set, or the 2.x default). */
  configPathSet?: boolean;
  /** containerd 2.1+: a colon-separated config_path, which CRI pulls then ignore. */
  colonPathTrap?: boolean;
  /** containerd: the deprecated registry.mirrors tables, which cannot be combined with config_path. */
  legacyMirrors?: boolean;
  /** k3s / RKE2: where the runtime renders registries.yaml on start (to tell whether a restart is due). */
  renderedHostsDir?: string;
  /** CRI-O: the registries.conf.d directory. */
  dropInDir?: string;
}

export interface RuntimeHint {
  name: string;
  version: string;
}

/** "containerd://1.7.2" → {name: containerd, version: 1.7.2}; undefined for an empty or odd value. */
export function parseRuntimeVersion(value: string | undefined): RuntimeHint | undefined {
  const m = value === undefined ? null : /^([a-z0-9-]+):\/\/(.+)$/.exec(value);
  return m ? { name: m[1] as string, version: m[2] as string } : undefined;
}

export async function detectRuntimes(hostRoot: string, hint?: RuntimeHint): Promise<DetectedRuntime[]> {
  const found: DetectedRuntime[] = [];
  const at = (p: string) => join(hostRoot, p);
  const rancher = hint?.version.includes('-k3s') ?? false;

  for (const distro of ['k3s', 'rke2'] as const) {
    if (await isDir(at(`/etc/rancher/${distro}`))) {
      found.push({
        name: distro,
        ...(rancher ? { version: hint?.version } : {}),
        configFile: `/etc/rancher/${distro}/registries.yaml`,
        renderedHostsDir: `/var/lib/rancher/${distro}/agent/etc/containerd/certs.d`,
      });
    }
  }

  const containerdToml = await readText(at('/etc/containerd/config.toml'));
  const containerdHinted = hint?.name === 'containerd' && !rancher;
  if (containerdToml !== undefined || containerdHinted || (await isDir(at('/etc/containerd/certs.d')))) {
    const facts = readContainerdConfig(containerdToml ?? '');
    const version = containerdHinted ? hint?.version : undefined;
    const major2 = facts.formatVersion >= 3 || (version !== undefined && /^v?([2-9]|\d\d)\./.test(version));
    const configPath = facts.configPath ?? (major2 ? CONTAINERD2_DEFAULT_CONFIG_PATH : undefined);
    found.push({
      name: 'containerd',
      ...(version !== undefined ? { version } : {}),
      configFile: '/etc/containerd/config.toml',
      hostsDir: (configPath ?? '/etc/containerd/certs.d').split(':')[0] || '/etc/containerd/certs.d',
      ...(configPath !== undefined ? { configPath } : {}),
      configPathSet: configPath !== undefined,
      colonPathTrap: colonPathTrap(configPath, version, facts.formatVersion),
      legacyMirrors: facts.legacyMirrors,
    });
  }

  const crioHinted = hint?.name === 'cri-o';
  const crioFiles = (await hasEntries(at('/etc/crio'))) || (await exists(at('/etc/containers/registries.conf')));
  if (crioHinted || crioFiles || (await isDir(at('/etc/containers/registries.conf.d')))) {
    found.push({
      name: 'crio',
      ...(crioHinted ? { version: hint?.version } : {}),
      configFile: '/etc/containers/registries.conf',
      dropInDir: '/etc/containers/registries.conf.d',
    });
  }

  if (hint?.name === 'docker' || (await exists(at('/etc/docker/daemon.json')))) {
    found.push({
      name: 'docker',
      ...(hint?.name === 'docker' ? { version: hint.version } : {}),
      configFile: '/etc/docker/daemon.json',
    });
  }
  return found;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function hasEntries(path: string): Promise<boolean> {
  return readdir(path).then(
    (names) => names.length > 0,
    () => false,
  );
}
