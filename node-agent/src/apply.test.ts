import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApplyResult } from '@berth/contracts/node-agent';
import { applyNodeMirror } from './apply.ts';
import { validateNodeAgentConfig } from '@berth/contracts/node-agent';

const hub = { registry: 'docker.io', project: 'team-a/hub', mirror: 'http://10.96.0.50:5000', upstream: 'https://registry-1.docker.io', rootMirror: true };
const ghcr = { registry: 'ghcr.io', project: 'team-a/ghcr', mirror: 'http://10.96.0.50:5000', upstream: 'https://ghcr.io' };

describe('applying node mirror config', () => {
  let root: string;
  const at = (p: string) => join(root, p);
  const put = async (p: string, text: string) => {
    await mkdir(dirname(at(p)), { recursive: true });
    await writeFile(at(p), text);
  };
  const read = (p: string) => readFile(at(p), 'utf8');
  const gone = (p: string) => stat(at(p)).then(() => false, () => true);
  const apply = (registries: unknown[], labels?: Record<string, string>) =>
    applyNodeMirror(validateNodeAgentConfig({ registries }), { hostRoot: root, stateDir: '/var/lib/berth/node-agent', ...(labels ? { nodeLabels: labels } : {}) });
  const result = (r: ApplyResult, registry: string, runtime: string) =>
    r.registries.find((x) => x.registry === registry)?.results.find((x) => x.runtime === runtime);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-agent-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes hosts.toml into containerd config_path, backs up the file it replaces and restores it', async () => {
    await put('/etc/containerd/config.toml', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
    await put('/etc/containerd/certs.d/docker.io/hosts.toml', 'server = "https://site-mirror"\n');
    const first = await apply([hub, ghcr]);
    assert.deepEqual(first.changed.sort(), ['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containerd/certs.d/ghcr.io/hosts.toml']);
    assert.match(await read('/etc/containerd/certs.d/docker.io/hosts.toml'), /\[host\."http:\/\/10\.96\.0\.50:5000\/v2\/docker\.io"\]/);
    assert.deepEqual(result(first, 'docker.io', 'containerd'), {
      runtime: 'containerd',
      state: 'active',
      reason: 'Configured',
      verdict: 'mirrored',
      message:
        'pulls of docker.io go through http://10.96.0.50:5000/v2/docker.io: containerd reads hosts.toml from /etc/containerd/certs.d ' +
        '(on every containerd release that accepts this config: 1.x, 2.0, 2.1, 2.2; the Node object names no version)',
    });
    assert.deepEqual((await apply([hub, ghcr])).changed, [], 'a second run changes nothing');

    const after = await apply([]);
    assert.deepEqual(after.restored.sort(), ['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containerd/certs.d/ghcr.io/hosts.toml']);
    assert.equal(await read('/etc/containerd/certs.d/docker.io/hosts.toml'), 'server = "https://site-mirror"\n');
    assert.ok(await gone('/etc/containerd/certs.d/ghcr.io'), 'the folder it made is removed');
  });

  it('reports an unset config_path, and the colon-path trap of containerd 2.1+ with its fix', async () => {
    await put('/etc/containerd/config.toml', 'version = 2\n');
    const unset = result(await apply([hub]), 'docker.io', 'containerd');
    assert.deepEqual([unset?.state, unset?.reason, unset?.verdict], ['pending', 'ConfigPathUnset', 'not-mirrored']);
    await put('/etc/containerd/config.toml', 'version = 3\n');
    const r = await applyNodeMirror(validateNodeAgentConfig({ registries: [hub] }), {
      hostRoot: root, stateDir: '/state', runtimeHint: { name: 'containerd', version: '2.2.1' },
    });
    const colon = result(r, 'docker.io', 'containerd');
    assert.equal(colon?.reason, 'ContainerdColonPath');
    assert.equal(colon?.fix, 'set config_path = "/etc/containerd/certs.d" under [plugins."io.containerd.cri.v1.images".registry] in /etc/containerd/config.toml and restart containerd');
    assert.equal(r.runtimes[0]?.configPath, '/etc/containerd/certs.d:/etc/docker/certs.d');
    assert.ok(await read('/etc/containerd/certs.d/docker.io/hosts.toml'), 'written to the first folder all the same');
  });

  it('reports unknown, not Configured, for a version-2 colon config when the Node names no version', async () => {
    await put('/etc/containerd/config.toml', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n');
    const r = result(await apply([hub]), 'docker.io', 'containerd');
    assert.deepEqual([r?.state, r?.reason, r?.verdict], ['pending', 'ContainerdVersionUnknown', 'unknown']);
  });

  it('skips a containerd whose CRI plugin is disabled', async () => {
    await put('/etc/containerd/config.toml', 'disabled_plugins = ["cri"]\n');
    const r = result(await apply([hub]), 'docker.io', 'containerd');
    assert.deepEqual([r?.state, r?.reason, r?.verdict], ['skipped', 'CriDisabled', 'skipped']);
  });

  it('merges k3s registries.yaml, asks for a restart until k3s renders it, and puts back the entry it replaced', async () => {
    const before = 'mirrors:\n  docker.io:\n    endpoint:\n      - https://site-mirror\n  quay.io:\n    endpoint:\n      - https://q\n';
    await put('/etc/rancher/k3s/registries.yaml', before);
    const r = await apply([hub]);
    assert.equal(result(r, 'docker.io', 'k3s')?.reason, 'RestartRequired');
    assert.equal(r.runtimes.find((x) => x.name === 'k3s')?.restartRequired, true);
    assert.match(await read('/etc/rancher/k3s/registries.yaml'), /docker\.io:\n\s+endpoint:\n\s+- http:\/\/10\.96\.0\.50:5000\/v2\/docker\.io\n\s+quay\.io/);
    await put('/var/lib/rancher/k3s/agent/etc/containerd/certs.d/docker.io/hosts.toml', '[host."http://10.96.0.50:5000/v2/docker.io"]\n');
    assert.equal(result(await apply([hub]), 'docker.io', 'k3s')?.state, 'active');
    await apply([]);
    assert.equal(await read('/etc/rancher/k3s/registries.yaml'), before);
  });

  it('removes a registries.yaml it created once it owns nothing in it', async () => {
    await mkdir(at('/etc/rancher/rke2'), { recursive: true });
    await apply([ghcr]);
    assert.match(await read('/etc/rancher/rke2/registries.yaml'), /ghcr\.io/);
    await apply([]);
    assert.ok(await gone('/etc/rancher/rke2/registries.yaml'));
  });

  it('writes a CRI-O drop-in and adds the Docker mirror for docker.io only, keeping other settings', async () => {
    await put('/etc/crio/crio.conf', '[crio]\n');
    await put('/etc/containers/registries.conf', 'unqualified-search-registries = ["docker.io"]\n');
    await put('/etc/docker/daemon.json', '{"log-driver":"local"}');
    const r = await apply([hub, ghcr]);
    assert.match(await read('/etc/containers/registries.conf.d/90-berth-docker.io.conf'), /location = "10\.96\.0\.50:5000\/docker\.io"/);
    assert.deepEqual(JSON.parse(await read('/etc/docker/daemon.json')), { 'log-driver': 'local', 'registry-mirrors': ['http://10.96.0.50:5000'] });
    assert.equal(result(r, 'ghcr.io', 'docker')?.reason, 'NotDockerHub');
    assert.equal(result(r, 'docker.io', 'crio')?.reason, 'RestartRequired');
    assert.equal(result(await apply([hub, ghcr]), 'docker.io', 'crio')?.state, 'active');
    await apply([]);
    assert.deepEqual(JSON.parse(await read('/etc/docker/daemon.json')), { 'log-driver': 'local' });
    assert.ok(await gone('/etc/containers/registries.conf.d/90-berth-docker.io.conf'));
    assert.equal(await read('/etc/containers/registries.conf'), 'unqualified-search-registries = ["docker.io"]\n');
  });

  it('skips Docker when the cache does not serve docker.io at its root', async () => {
    await put('/etc/docker/daemon.json', '{}');
    const r = await apply([{ ...hub, rootMirror: false }]);
    assert.equal(result(r, 'docker.io', 'docker')?.reason, 'NoRootMirror');
    assert.equal(await read('/etc/docker/daemon.json'), '{}');
  });

  it('applies only the registries whose nodeSelector the node matches', async () => {
    await put('/etc/containerd/config.toml', '');
    const r = await apply([{ ...hub, nodeSelector: { pool: 'gpu' } }, ghcr], { pool: 'cpu' });
    assert.deepEqual(r.registries.map((x) => x.registry), ['ghcr.io']);
  });

  it('finds no runtime on an empty host and writes nothing', async () => {
    const r = await apply([hub]);
    assert.deepEqual([r.runtimes, r.changed, r.registries[0]?.results], [[], [], []]);
  });
});
