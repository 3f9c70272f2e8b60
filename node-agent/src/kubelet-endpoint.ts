// Which runtime the kubelet talks to, from its own configuration under --host-root: the KubeletConfiguration
// field containerRuntimeEndpoint (Kubernetes 1.27+) or the --container-runtime-endpoint flag kubeadm and the
// distributions put in environment files. It tells the runtime when the agent cannot read its Node object (a run
// by hand), and it is what kubelet really uses — unlike files that any package may leave behind (podman's
// /etc/containers/registries.conf sits on many containerd nodes).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export type EndpointRuntime = 'containerd' | 'crio' | 'docker' | 'rancher';

export interface KubeletEndpoint {
  endpoint: string;
  runtime?: EndpointRuntime;
  /** The node file it was read from. */
  file: string;
}

const CONFIG_FILES = ['/var/lib/kubelet/config.yaml', '/etc/kubernetes/kubelet-config.yaml', '/etc/kubernetes/kubelet/config.json'];
const FLAG_FILES = ['/var/lib/kubelet/kubeadm-flags.env', '/etc/default/kubelet', '/etc/sysconfig/kubelet', '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf'];

export async function kubeletEndpoint(hostRoot: string): Promise<KubeletEndpoint | undefined> {
  for (const file of CONFIG_FILES) {
    const text = await readText(join(hostRoot, file));
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      continue; // not the agent's file to judge: look further
    }
    const endpoint = (doc as { containerRuntimeEndpoint?: unknown } | null)?.containerRuntimeEndpoint;
    if (typeof endpoint === 'string' && endpoint !== '') return described(endpoint, file);
  }
  for (const file of FLAG_FILES) {
    const text = await readText(join(hostRoot, file));
    const m = text === undefined ? null : /--container-runtime-endpoint[= ]+["']?([^\s"']+)/.exec(text);
    if (m) return described(m[1] as string, file);
  }
  return undefined;
}

/** unix:///run/containerd/containerd.sock → containerd; k3s and RKE2 both serve /run/k3s/containerd. */
export function endpointRuntime(endpoint: string): EndpointRuntime | undefined {
  if (/\/k3s\//.test(endpoint)) return 'rancher';
  if (/crio/.test(endpoint)) return 'crio';
  if (/cri-dockerd|dockershim/.test(endpoint)) return 'docker';
  if (/containerd/.test(endpoint)) return 'containerd';
  return undefined;
}

function described(endpoint: string, file: string): KubeletEndpoint {
  const runtime = endpointRuntime(endpoint);
  return { endpoint, file, ...(runtime ? { runtime } : {}) };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
