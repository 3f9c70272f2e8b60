import assert from 'node:assert/strict';
import { NodeAgentConfigError, parseNodeAgentConfig, renderNodeAgentConfig, validateNodeAgentConfig } from './config.ts';

const minimal = {
  registries: [{ registry: 'docker.io', project: 'team-a/hub', mirror: 'http://10.96.0.50:5000', upstream: 'https://registry-1.docker.io' }],
};

describe('node agent config', () => {
  it('fills defaults: path prefix, every runtime, no TLS settings, 5m resync', () => {
    const cfg = validateNodeAgentConfig(minimal);
    assert.equal(cfg.resyncSeconds, 300);
    assert.deepEqual(cfg.registries[0], {
      registry: 'docker.io',
      project: 'team-a/hub',
      mirror: 'http://10.96.0.50:5000',
      pathPrefix: '/v2/docker.io',
      upstream: 'https://registry-1.docker.io',
      rootMirror: false,
      runtimes: ['containerd', 'k3s', 'rke2', 'crio', 'docker'],
      tls: { insecureSkipVerify: false },
      nodeSelector: {},
    });
  });

  it('renders what it parses', () => {
    const cfg = validateNodeAgentConfig({
      nodeReports: { namespace: 'berth-system' },
      resync: '2m',
      registries: [{ ...minimal.registries[0], runtimes: ['containerd'], tls: { caFile: '/etc/berth/ca.crt' }, nodeSelector: { pool: 'a' } }],
    });
    assert.deepEqual(parseNodeAgentConfig(renderNodeAgentConfig(cfg)), cfg);
  });

  it("reads resync in the proxy config's duration grammar (../duration.ts)", () => {
    for (const [resync, seconds] of [['1h30m', 5400], ['1.5m', 90], ['250ms', 0.25], ['2d', 172_800]] as const) {
      const cfg = validateNodeAgentConfig({ resync, registries: [] });
      assert.equal(cfg.resyncSeconds, seconds, resync);
      assert.equal(parseNodeAgentConfig(renderNodeAgentConfig(cfg)).resyncSeconds, seconds, `${resync} rendered and read back`);
    }
  });

  const bad: [string, unknown, RegExp][] = [
    ['a cluster DNS name', { registries: [{ ...minimal.registries[0], mirror: 'http://berth.berth-system.svc:5000' }] }, /registries\[0\]\.mirror: .*cluster DNS name/],
    ['a cluster.local name', { registries: [{ ...minimal.registries[0], mirror: 'http://berth.ns.svc.cluster.local' }] }, /registries\[0\]\.mirror/],
    ['a path in the mirror', { registries: [{ ...minimal.registries[0], mirror: 'http://10.0.0.1:5000/v2' }] }, /scheme:\/\/host\[:port\] only/],
    ['an unknown key', { registries: [{ ...minimal.registries[0], colour: 'red' }] }, /registries\[0\]\.colour: unknown key/],
    ['an unknown runtime', { registries: [{ ...minimal.registries[0], runtimes: ['podman'] }] }, /registries\[0\]\.runtimes\[0\]: "podman" is not one of/],
    ['a bad duration', { resync: '5x', registries: [] }, /resync: "5x" is not a duration/],
    ['a zero resync', { resync: '0', registries: [] }, /resync: must be longer than 0s/],
    ['a registry twice', { registries: [minimal.registries[0], { ...minimal.registries[0], project: 'b/c' }] }, /registries\[1\]\.registry: "docker.io" is already mirrored by registries\[0\]/],
    ['credentials in a URL', { registries: [{ ...minimal.registries[0], upstream: 'https://u:p@registry-1.docker.io' }] }, /must not carry credentials/],
    ['a registry with a scheme', { registries: [{ ...minimal.registries[0], registry: 'https://docker.io' }] }, /is not a registry host/],
  ];
  for (const [what, doc, message] of bad) {
    it(`rejects ${what}, naming the key`, () => {
      assert.throws(() => validateNodeAgentConfig(doc), (err: Error) => err instanceof NodeAgentConfigError && message.test(err.message));
    });
  }

  it('does not echo credentials from a URL it rejects', () => {
    assert.throws(
      () => validateNodeAgentConfig({ registries: [{ ...minimal.registries[0], upstream: 'https://u:secret@registry-1.docker.io' }] }),
      (err: Error) => !err.message.includes('secret'),
    );
  });
});
