import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { detectRuntimes, parseRuntimeVersion } from './detect.ts';
import { endpointRuntime } from './kubelet-endpoint.ts';

/** A containerd node that also carries podman's registries.conf and a Docker daemon.json (common on build nodes). */
const CONTAINERD_NODE_WITH_EXTRAS = {
  '/etc/containerd/config.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n',
  '/etc/containers/registries.conf': 'unqualified-search-registries = ["docker.io"]\n',
  '/etc/containers/registries.conf.d/00-shortnames.conf': '[aliases]\n',
  '/etc/docker/daemon.json': '{}',
};

describe('runtime detection', () => {
  let root: string;
  const put = async (files: Record<string, string>) => {
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, p)), { recursive: true });
      await writeFile(join(root, p), text);
    }
  };
  const names = async (hint?: string) => (await detectRuntimes(root, parseRuntimeVersion(hint))).map((r) => `${r.name}:${r.detectedBy}`);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-detect-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a containerd node is not taken for CRI-O because /etc/containers/registries.conf exists', async () => {
    await put(CONTAINERD_NODE_WITH_EXTRAS);
    assert.deepEqual(await names('containerd://1.7.27'), ['containerd:node']);
  });

  it('without the Node object, the kubelet\'s runtime endpoint decides', async () => {
    await put({ ...CONTAINERD_NODE_WITH_EXTRAS, '/var/lib/kubelet/config.yaml': 'kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n' });
    assert.deepEqual(await names(), ['containerd:kubelet']);
  });

  it('reads the endpoint from kubeadm-flags.env too', async () => {
    await put({ '/etc/crio/crio.conf': '', '/etc/containerd/config.toml': '', '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/crio/crio.sock --pod-infra-container-image=x"\n' });
    assert.deepEqual(await names(), ['crio:kubelet']);
  });

  it('with neither, files decide, and registries.conf alone is not CRI-O', async () => {
    await put(CONTAINERD_NODE_WITH_EXTRAS);
    assert.deepEqual(await names(), ['containerd:files', 'docker:files']);
    await put({ '/etc/crio/crio.conf.d/10-crio.conf': '[crio.runtime]\n' });
    assert.deepEqual(await names(), ['containerd:files', 'crio:files', 'docker:files']);
  });

  it('a k3s node (containerd://…-k3s1) is k3s only', async () => {
    await put({ ...CONTAINERD_NODE_WITH_EXTRAS, '/etc/rancher/k3s/config.yaml': '' });
    assert.deepEqual(await names('containerd://1.7.23-k3s2'), ['k3s:node']);
  });

  it('CRI-O from the Node object', async () => {
    await put(CONTAINERD_NODE_WITH_EXTRAS);
    assert.deepEqual(await names('cri-o://1.30.4'), ['crio:node']);
  });

  it('hands the Node\'s containerd version to the assessment', async () => {
    await put({ '/etc/containerd/config.toml': 'version = 3\n' });
    const [rt] = await detectRuntimes(root, parseRuntimeVersion('containerd://2.2.1'));
    assert.deepEqual([rt?.containerd?.line, rt?.containerd?.reason, rt?.hostsDir], ['2.2', 'ContainerdColonPath', '/etc/containerd/certs.d']);
  });

  it('names the runtime behind an endpoint', () => {
    assert.deepEqual(
      ['unix:///run/containerd/containerd.sock', 'unix:///run/k3s/containerd/containerd.sock', 'unix:///var/run/crio/crio.sock', 'unix:///run/cri-dockerd.sock', 'unix:///x.sock'].map(endpointRuntime),
      ['containerd', 'rancher', 'crio', 'docker', undefined],
    );
  });
});
