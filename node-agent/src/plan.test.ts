import assert from 'node:assert/strict';
import { validateNodeAgentConfig, type DetectedRuntime, type NodeAgentConfig } from '@berth/contracts/node-agent';
import { matchesSelector, planNodeMirror } from './plan.ts';
import { renderHostsToml } from './render/containerd.ts';
import { crioDropInName } from './render/crio.ts';

const RUNTIMES: DetectedRuntime[] = [
  { name: 'containerd', hostsDir: '/etc/containerd/certs.d' },
  { name: 'crio', dropInDir: '/etc/containers/registries.conf.d' },
  { name: 'k3s', configFile: '/etc/rancher/k3s/registries.yaml' },
  { name: 'docker', configFile: '/etc/docker/daemon.json' },
];

function config(...registries: Record<string, unknown>[]): NodeAgentConfig {
  return validateNodeAgentConfig({
    registries: registries.map((r) => ({ project: 'team-a/hub', mirror: 'http://10.96.0.50:5000', ...r })),
  });
}

const HUB = { registry: 'docker.io', upstream: 'https://registry-1.docker.io' };
const QUAY = { registry: 'quay.io', upstream: 'https://quay.io' };

describe('planNodeMirror', () => {
  it('a whole hosts.toml for containerd, a drop-in for CRI-O, registries.yaml entries for k3s, per registry', () => {
    const cfg = config(HUB, QUAY);
    const plan = planNodeMirror(cfg, RUNTIMES);
    assert.deepEqual(plan.registries.map((r) => r.registry), ['docker.io', 'quay.io']);
    assert.deepEqual(plan.files.map((f) => `${f.runtime} ${f.path}`), [
      'containerd /etc/containerd/certs.d/docker.io/hosts.toml',
      `crio /etc/containers/registries.conf.d/${crioDropInName('docker.io')}`,
      'containerd /etc/containerd/certs.d/quay.io/hosts.toml',
      `crio /etc/containers/registries.conf.d/${crioDropInName('quay.io')}`,
    ]);
    assert.equal(plan.files[0]!.content, renderHostsToml(cfg.registries[0]!));
    assert.deepEqual(plan.entries.filter((e) => e.runtime === 'k3s').map((e) => [e.file, e.format, e.key.join('.')]), [
      ['/etc/rancher/k3s/registries.yaml', 'registries.yaml', 'mirrors.docker.io'],
      ['/etc/rancher/k3s/registries.yaml', 'registries.yaml', 'mirrors.quay.io'],
    ]);
  });

  it('Docker: registry-mirrors only for Docker Hub served at the root; the rest is skipped with the reason', () => {
    const rooted = planNodeMirror(config({ ...HUB, rootMirror: true }, QUAY), [RUNTIMES[3]!]);
    assert.deepEqual(rooted.entries.map((e) => [e.format, e.key, e.value]), [['daemon.json', ['registry-mirrors'], 'http://10.96.0.50:5000']]);
    assert.deepEqual(rooted.skips.map((s) => `${s.registry} ${s.reason}`), ['quay.io NotDockerHub']);
    const prefixed = planNodeMirror(config(HUB), [RUNTIMES[3]!]);
    assert.deepEqual(prefixed.entries, []);
    assert.deepEqual(prefixed.skips.map((s) => `${s.registry} ${s.reason}`), ['docker.io NoRootMirror']);
  });

  it('leaves out runtimes a registry does not name, and registries whose nodeSelector the node does not match', () => {
    const cfg = config({ ...HUB, runtimes: ['crio'] }, { ...QUAY, nodeSelector: { pool: 'gpu' } });
    const plan = planNodeMirror(cfg, RUNTIMES, { pool: 'cpu' });
    assert.deepEqual(plan.registries.map((r) => r.registry), ['docker.io']);
    assert.deepEqual(plan.files.map((f) => f.runtime), ['crio']);
    assert.deepEqual(plan.entries, []);
  });

  it('k3s without its default endpoint lists the upstream after the cache', () => {
    const plan = planNodeMirror(config(HUB), [{ name: 'k3s', configFile: '/r.yaml', defaultEndpointDisabled: true }]);
    assert.deepEqual(plan.entries[0]!.value, { endpoint: ['http://10.96.0.50:5000/v2/docker.io', 'https://registry-1.docker.io'] });
  });
});

describe('matchesSelector', () => {
  it('every pair of the selector must match; no labels at all (a run by hand) matches everything', () => {
    assert.equal(matchesSelector({ pool: 'gpu', zone: 'a' }, { pool: 'gpu' }), true);
    assert.equal(matchesSelector({ pool: 'gpu' }, { pool: 'gpu', zone: 'a' }), false);
    assert.equal(matchesSelector({}, {}), true);
    assert.equal(matchesSelector(undefined, { pool: 'gpu' }), true);
  });
});
