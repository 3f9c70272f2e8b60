// Which runtime the node's kubelet pulls with, found under --host-root (the node's / as the agent sees it), and
// where that runtime takes its registry settings. Evidence, strongest first:
//   1. the Node object's status.nodeInfo.containerRuntimeVersion ("containerd://1.7.2"): runtime and version;
//   2. the kubelet's configured runtime endpoint (kubelet-endpoint.ts), for runs without the Node object;
//   3. only then the runtimes' own files and sockets. Files alone are weak evidence: CRI-O is never inferred from
//      /etc/containers/registries.conf, which podman and skopeo install on many containerd nodes.
// With 1 or 2 the agent configures that runtime alone, not every runtime whose files happen to exist.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DetectedRuntime } from '@berth/contracts/node-agent';
import { assessContainerd, CONTAINERD_CONFIG_FILE } from './containerd/assess.ts';
import { hostConfigFiles } from './containerd/config-files.ts';
import { kubeletEndpoint, type EndpointRuntime } from './kubelet-endpoint.ts';
import { defaultRegistryEndpoint } from './rancher-config.ts';


export interface RuntimeHint {
  name: string;
  version: string;
}

/** "containerd://1.7.2" → {name: containerd, version: 1.7.2}; undefined for an empty or odd value. */
export function parseRuntimeVersion(value: string | undefined): RuntimeHint | undefined {
  const m = value === undefined ? null : /^([a-z0-9-]+):\/\/(.+)$/.exec(value);
  return m ? { name: m[1] as string, version: m[2] as string } : undefined;
}

/** The runtime a Node's containerRuntimeVersion names; k3s and RKE2 report "containerd://x.y.z-k3sN". */
function hintRuntime(hint: RuntimeHint): EndpointRuntime | undefined {
  if (hint.name === 'containerd') return /-k3s/.test(hint.version) ? 'rancher' : 'containerd';
  if (hint.name === 'cri-o') return 'crio';
  if (hint.name === 'docker') return 'docker';
  return undefined;
}

export async function detectRuntimes(hostRoot: string, hint?: RuntimeHint): Promise<DetectedRuntime[]> {
  const at = (p: string) => join(hostRoot, p);
  const fromNode = hint ? hintRuntime(hint) : undefined;
  const endpoint = fromNode === undefined ? await kubeletEndpoint(hostRoot) : undefined;
  const known = fromNode ?? endpoint?.runtime;
  const detectedBy = fromNode ? 'node' : known ? 'kubelet' : 'files';
  const version = fromNode ? hint?.version : undefined;
  const wants = (r: EndpointRuntime, filesSay: () => Promise<boolean>) => (known !== undefined ? Promise.resolve(known === r) : filesSay());
  const found: DetectedRuntime[] = [];

  if (known === 'rancher' || known === undefined) {
    for (const distro of ['k3s', 'rke2'] as const) {
      if (await isDir(at(`/etc/rancher/${distro}`))) {
        const defaultEndpoint = await defaultRegistryEndpoint(hostRoot, distro);
        found.push({
          name: distro,
          ...(version !== undefined ? { version } : {}),
          detectedBy,
          configFile: `/etc/rancher/${distro}/registries.yaml`,
          renderedHostsDir: `/var/lib/rancher/${distro}/agent/etc/containerd/certs.d`,
          defaultEndpointDisabled: defaultEndpoint.disabled,
          ...(defaultEndpoint.from !== undefined ? { defaultEndpointFrom: defaultEndpoint.from } : {}),
        });
      }
    }
  }

  const containerdFiles = async () =>
    (await exists(at(CONTAINERD_CONFIG_FILE))) || (await isDir(at('/etc/containerd/certs.d'))) || (await exists(at('/run/containerd/containerd.sock')));
  if (await wants('containerd', containerdFiles)) {
    const assessment = await assessContainerd(hostConfigFiles(hostRoot), { configFile: CONTAINERD_CONFIG_FILE, ...(version !== undefined ? { daemonVersion: version } : {}) });
    found.push({
      name: 'containerd',
      ...(version !== undefined ? { version } : {}),
      detectedBy,
      configFile: CONTAINERD_CONFIG_FILE,
      hostsDir: assessment.hostsDir,
      containerd: assessment,
      ...(assessment.configPath !== undefined ? { configPath: assessment.configPath } : {}),
      configPathSet: assessment.configPath !== undefined,
    });
  }

  const crioFiles = async () => (await hasEntries(at('/etc/crio'))) || (await exists(at('/run/crio/crio.sock')));
  if (await wants('crio', crioFiles)) {
    found.push({
      name: 'crio',
      ...(version !== undefined ? { version } : {}),
      detectedBy,
      configFile: '/etc/containers/registries.conf',
      dropInDir: '/etc/containers/registries.conf.d',
    });
  }

  if (await wants('docker', () => exists(at('/etc/docker/daemon.json')))) {
    found.push({ name: 'docker', ...(version !== undefined ? { version } : {}), detectedBy, configFile: '/etc/docker/daemon.json' });
  }
  return found;
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
