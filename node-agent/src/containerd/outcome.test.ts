import assert from 'node:assert/strict';
import type { CriImageSettings } from './cri-images.ts';
import { lineOutcome, RECOMMENDED_HOSTS_DIR, type FixTargetFor } from './outcome.ts';

const CONFIG = '/etc/containerd/config.toml';
const SECTION = 'io.containerd.cri.v1.images';
const target: FixTargetFor = (file) => ({ file: file ?? CONFIG, section: SECTION });

function settings(over: Partial<CriImageSettings> = {}): CriImageSettings {
  return {
    section: SECTION, configPath: { value: '' }, mirrors: [], mirrorsIn: [], configs: [], configsWithTls: [],
    localPullBecause: [], transferPull: false, ignored: [], ...over,
  };
}

describe('lineOutcome', () => {
  it('a disabled CRI plugin: containerd is not what kubelet pulls through', () => {
    const out = lineOutcome(settings({ criDisabledIn: [CONFIG], configPath: { value: '/x', from: CONFIG } }), '2.1', target);
    assert.equal(out.verdict, 'not-used');
    assert.match(out.verdict === 'not-used' ? out.why : '', /disabled_plugins: \/etc\/containerd\/config\.toml/);
  });

  it('no config_path: ConfigPathUnset, fixed by setting the recommended folder in the section the line reads', () => {
    const out = lineOutcome(settings({ ignored: [{ section: 'io.containerd.grpc.v1.cri', files: [CONFIG] }] }), '2.0', target);
    assert.equal(out.verdict, 'not-mirrored');
    if (out.verdict !== 'not-mirrored') return;
    assert.equal(out.reason, 'ConfigPathUnset');
    assert.equal(out.fix, `set config_path = "${RECOMMENDED_HOSTS_DIR}" under [plugins."${SECTION}".registry] in ${CONFIG} and restart containerd`);
    assert.match(out.why, /it ignores \[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\] in \/etc\/containerd\/config\.toml/);
  });

  it('registry.mirrors without config_path: LegacyMirrorsConfig, fixed by removing them and setting config_path', () => {
    const out = lineOutcome(settings({ mirrors: ['docker.io'], mirrorsIn: ['/etc/containerd/conf.d/m.toml'] }), '1.x', target);
    assert.equal(out.verdict === 'not-mirrored' && out.reason, 'LegacyMirrorsConfig');
    assert.match(out.verdict === 'not-mirrored' ? out.fix : '', /^remove the registry\.mirrors tables from \/etc\/containerd\/conf\.d\/m\.toml and set config_path/);
  });

  it('config_path together with registry.mirrors or configs.*.tls: the CRI plugin refuses to load', () => {
    const withMirrors = lineOutcome(settings({ configPath: { value: '/x', from: CONFIG }, mirrors: ['quay.io'], mirrorsIn: [CONFIG] }), '2.0', target);
    assert.equal(withMirrors.verdict === 'not-mirrored' && withMirrors.reason, 'LegacyMirrorsConfig');
    assert.match(withMirrors.verdict === 'not-mirrored' ? withMirrors.why : '', /refuses to load/);
    const withTls = lineOutcome(settings({ configPath: { value: '/x', from: CONFIG }, configsWithTls: ['quay.io'] }), '1.x', target);
    assert.equal(withTls.verdict === 'not-mirrored' && withTls.reason, 'LegacyRegistryConfig');
  });

  it('a colon list: in-process pulls use its first folder; the transfer service reads none of it', () => {
    const colon = { value: '/etc/containerd/certs.d:/etc/docker/certs.d', from: '/etc/containerd/conf.d/p.toml' };
    assert.deepEqual(lineOutcome(settings({ configPath: colon, localPullBecause: ['a snapshotter'] }), '2.1', target), {
      verdict: 'mirrored', hostsDir: '/etc/containerd/certs.d', pull: 'local', localPullBecause: ['a snapshotter'],
    });
    const transfer = lineOutcome(settings({ configPath: colon, transferPull: true }), '2.1', target);
    assert.equal(transfer.verdict === 'not-mirrored' && transfer.reason, 'ContainerdColonPath');
    // The fix goes where the list was set, and keeps the first folder.
    assert.equal(transfer.verdict === 'not-mirrored' && transfer.fix, `set config_path = "/etc/containerd/certs.d" under [plugins."${SECTION}".registry] in /etc/containerd/conf.d/p.toml and restart containerd`);
  });

  it('the 2.2 default colon list is named as containerd\'s default', () => {
    const out = lineOutcome(settings({ configPath: { value: '/etc/containerd/certs.d:/etc/docker/certs.d' }, transferPull: true }), '2.2', target);
    assert.match(out.verdict === 'not-mirrored' ? out.why : '', /\(containerd 2\.2's default\)/);
  });

  it('a single folder through the transfer service: mirrored from that folder', () => {
    assert.deepEqual(lineOutcome(settings({ configPath: { value: '/certs', from: CONFIG }, transferPull: true }), '2.2', target), {
      verdict: 'mirrored', hostsDir: '/certs', pull: 'transfer', localPullBecause: [],
    });
  });
});
