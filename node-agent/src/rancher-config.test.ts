import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultRegistryEndpoint } from './rancher-config.ts';

describe('k3s / RKE2 --disable-default-registry-endpoint', () => {
  const cases: [string, 'k3s' | 'rke2', Record<string, string>, { disabled: boolean; from?: string }][] = [
    ['not set anywhere: the fallback is on', 'k3s', { '/etc/rancher/k3s/config.yaml': 'node-label: [a=b]\n' }, { disabled: false }],
    ['config.yaml', 'rke2', { '/etc/rancher/rke2/config.yaml': 'disable-default-registry-endpoint: true\n' }, { disabled: true, from: '/etc/rancher/rke2/config.yaml' }],
    ['a later drop-in wins', 'k3s', { '/etc/rancher/k3s/config.yaml': 'disable-default-registry-endpoint: true\n', '/etc/rancher/k3s/config.yaml.d/90-off.yaml': 'disable-default-registry-endpoint: false\n' }, { disabled: false, from: '/etc/rancher/k3s/config.yaml.d/90-off.yaml' }],
    ['the server unit\'s ExecStart', 'k3s', { '/etc/systemd/system/k3s.service': 'ExecStart=/usr/local/bin/k3s \\\n    server \\\n    --disable-default-registry-endpoint\n' }, { disabled: true, from: '/etc/systemd/system/k3s.service' }],
    ['=false on the command line wins over the config file', 'k3s', { '/etc/rancher/k3s/config.yaml': 'disable-default-registry-endpoint: true\n', '/etc/systemd/system/k3s-agent.service': 'ExecStart=/usr/local/bin/k3s agent --disable-default-registry-endpoint=false\n' }, { disabled: false, from: '/etc/systemd/system/k3s-agent.service' }],
    ['a drop-in named .YML counts (k3s matches the suffix in any case)', 'rke2', { '/etc/rancher/rke2/config.yaml.d/50-reg.YML': 'disable-default-registry-endpoint: true\n' }, { disabled: true, from: '/etc/rancher/rke2/config.yaml.d/50-reg.YML' }],
    ['a flag that only starts the same', 'k3s', { '/etc/systemd/system/k3s.service': "ExecStart=/usr/local/bin/k3s server '--disable-default-registry-endpoint-x'\n" }, { disabled: false }],
  ];
  for (const [what, distro, files, want] of cases) {
    it(what, async () => {
      const root = await mkdtemp(join(tmpdir(), 'berth-rancher-'));
      try {
        for (const [p, text] of Object.entries(files)) {
          await mkdir(dirname(join(root, p)), { recursive: true });
          await writeFile(join(root, p), text);
        }
        assert.deepEqual(await defaultRegistryEndpoint(root, distro), want);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});
