import assert from 'node:assert/strict';
import { colonPathTrap, readContainerdConfig } from './containerd-config.ts';

describe('containerd config.toml facts', () => {
  const cases: [string, string, ReturnType<typeof readContainerdConfig>][] = [
    ['containerd 1.x with config_path', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d" # hosts\n', { formatVersion: 2, configPath: '/etc/containerd/certs.d', legacyMirrors: false }],
    ['containerd 2.x section, literal string', "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '/etc/containerd/certs.d:/etc/docker/certs.d'\n", { formatVersion: 3, configPath: '/etc/containerd/certs.d:/etc/docker/certs.d', legacyMirrors: false }],
    ['config_path empty, old mirrors tables', 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ""\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n', { formatVersion: 2, legacyMirrors: true }],
    ['no config at all', '', { formatVersion: 1, legacyMirrors: false }],
    ['a config_path under another plugin does not count', '[plugins."io.containerd.grpc.v1.cri".containerd]\nconfig_path = "/x"\n', { formatVersion: 1, legacyMirrors: false }],
  ];
  for (const [what, text, want] of cases) it(what, () => assert.deepEqual(readContainerdConfig(text), want));

  it('flags the colon-path trap for containerd 2.1 and later only', () => {
    const colon = '/etc/containerd/certs.d:/etc/docker/certs.d';
    assert.equal(colonPathTrap(colon, '2.1.0', 3), true);
    assert.equal(colonPathTrap(colon, 'v2.0.4', 3), false);
    assert.equal(colonPathTrap(colon, '1.7.2', 2), false);
    assert.equal(colonPathTrap('/etc/containerd/certs.d', '2.1.0', 3), false);
    assert.equal(colonPathTrap(colon, undefined, 3), true);
    assert.equal(colonPathTrap(colon, undefined, 2), false);
  });
});
