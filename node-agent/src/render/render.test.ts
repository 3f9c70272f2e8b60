import assert from 'node:assert/strict';
import { validateNodeAgentConfig, type MirroredRegistry } from '@berth/contracts/node-agent';
import { renderHostsToml } from './containerd.ts';
import { crioDropInName, renderCrioDropIn } from './crio.ts';
import { mergeDaemonJson } from './docker.ts';
import { endpointHost, k3sAddsPublicFallback, k3sEntries, k3sRenderedEndpoint, mergeYamlKeys } from './k3s.ts';

function entry(over: Record<string, unknown> = {}): MirroredRegistry {
  const base = { registry: 'docker.io', project: 'team-a/hub', mirror: 'http://10.96.0.50:5000', upstream: 'https://registry-1.docker.io' };
  return validateNodeAgentConfig({ registries: [{ ...base, ...over }] }).registries[0] as MirroredRegistry;
}

describe('node mirror renderers', () => {
  describe('containerd hosts.toml', () => {
    const cases: [string, MirroredRegistry, string][] = [
      [
        'plain http cache, upstream kept as server',
        entry(),
        `# Written by berth-proxy node-agent for ProxyCacheProject team-a/hub; do not edit: it is rewritten.
server = "https://registry-1.docker.io"

[host."http://10.96.0.50:5000/v2/docker.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
`,
      ],
      [
        'https cache with a CA and skip_verify',
        entry({ registry: 'ghcr.io', upstream: 'https://ghcr.io', mirror: 'https://cache.example.com', tls: { insecureSkipVerify: true, caFile: '/etc/berth/ca.crt' } }),
        `# Written by berth-proxy node-agent for ProxyCacheProject team-a/hub; do not edit: it is rewritten.
server = "https://ghcr.io"

[host."https://cache.example.com/v2/ghcr.io"]
  capabilities = ["pull", "resolve"]
  override_path = true
  skip_verify = true
  ca = "/etc/berth/ca.crt"
`,
      ],
    ];
    for (const [what, r, want] of cases) it(what, () => assert.equal(renderHostsToml(r), want));
  });

  describe('CRI-O drop-in', () => {
    it('names the file after the registry, ports made file-safe', () => {
      assert.equal(crioDropInName('docker.io'), '90-berth-docker.io.conf');
      assert.equal(crioDropInName('10.0.0.5:5000'), '90-berth-10.0.0.5_5000.conf');
    });
    const cases: [string, MirroredRegistry, string][] = [
      [
        'docker.io keeps its own location; an http cache is insecure',
        entry(),
        `# Written by berth-proxy node-agent for ProxyCacheProject team-a/hub; do not edit: it is rewritten.
[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "10.96.0.50:5000/docker.io"
insecure = true
pull-from-mirror = "all"
`,
      ],
      [
        'a non-default http upstream becomes the location',
        entry({ registry: 'quay.io', upstream: 'http://127.0.0.1:5001', mirror: 'https://cache.example.com' }),
        `# Written by berth-proxy node-agent for ProxyCacheProject team-a/hub; do not edit: it is rewritten.
[[registry]]
prefix = "quay.io"
location = "127.0.0.1:5001"
insecure = true

[[registry.mirror]]
location = "cache.example.com/quay.io"
pull-from-mirror = "all"
`,
      ],
    ];
    for (const [what, r, want] of cases) it(what, () => assert.equal(renderCrioDropIn(r), want));
  });

  describe('k3s / RKE2 registries.yaml', () => {
    it('merges its entries and keeps the others, comments included', () => {
      const before = `# site registries
mirrors:
  quay.io:
    endpoint:
      - https://quay-mirror.example.com
configs:
  quay-mirror.example.com:
    auth: { username: u, password: p }
`;
      const changes = k3sEntries(entry()).map((e) => ({ key: e.key, value: e.value }));
      assert.equal(
        mergeYamlKeys(before, changes),
        `# site registries
mirrors:
  quay.io:
    endpoint:
      - https://quay-mirror.example.com
  docker.io:
    endpoint:
      - http://10.96.0.50:5000/v2/docker.io
configs:
  quay-mirror.example.com:
    auth: { username: u, password: p }
`,
      );
    });

    it('writes a new file, and adds the upstream when it is not the default endpoint', () => {
      const r = entry({ registry: 'quay.io', upstream: 'https://quay-upstream.example.com', mirror: 'https://10.0.0.9:8443', tls: { caFile: '/ca.pem' } });
      assert.equal(
        mergeYamlKeys(undefined, k3sEntries(r)),
        `mirrors:
  quay.io:
    endpoint:
      - https://10.0.0.9:8443/v2/quay.io
      - https://quay-upstream.example.com
configs:
  10.0.0.9:8443:
    tls:
      ca_file: /ca.pem
`,
      );
    });

    it('keys TLS by the host:port k3s looks up, as the endpoint spells it (:443 kept)', () => {
      const r = entry({ mirror: 'https://cache.example.com:443', tls: { caFile: '/ca.pem', insecureSkipVerify: true } });
      assert.deepEqual(k3sEntries(r).map((e) => e.key), [['mirrors', 'docker.io'], ['configs', 'cache.example.com:443', 'tls', 'ca_file'], ['configs', 'cache.example.com:443', 'tls', 'insecure_skip_verify']]);
      assert.equal(endpointHost('https://u:p@cache.example.com:443'), 'cache.example.com:443');
    });

    it('lists the default upstream itself when k3s runs without its default endpoint', () => {
      assert.deepEqual(k3sEntries(entry(), { defaultEndpointDisabled: false })[0]?.value, { endpoint: ['http://10.96.0.50:5000/v2/docker.io'] });
      assert.deepEqual(k3sEntries(entry(), { defaultEndpointDisabled: true })[0]?.value, { endpoint: ['http://10.96.0.50:5000/v2/docker.io', 'https://registry-1.docker.io'] });
      const quay = entry({ registry: 'quay.io', upstream: 'https://quay-proxy.example.com' });
      assert.deepEqual([k3sAddsPublicFallback(quay, { defaultEndpointDisabled: false }, undefined), k3sAddsPublicFallback(quay, { defaultEndpointDisabled: true }, undefined), k3sAddsPublicFallback(entry(), { defaultEndpointDisabled: false }, undefined)], [true, false, false]);
    });

    it('knows k3s keeps a registry\'s own host despite --disable-default-registry-endpoint when configs.<registry> is set', () => {
      // k3s v1.32 getHostConfigs: a registry under configs gets its default endpoint there, and the flag only drops
      // the default of a mirror that configs did not name (checked with k3s's code in node-agent/test/k3s-rendered.test.ts).
      const quay = entry({ registry: 'quay.io', upstream: 'https://quay-proxy.example.com' });
      const disabled = { defaultEndpointDisabled: true };
      assert.equal(k3sAddsPublicFallback(quay, disabled, 'configs:\n  quay.io:\n    auth: { username: u, password: p }\n'), true);
      assert.equal(k3sAddsPublicFallback(quay, disabled, 'configs:\n  quay.io:\n'), true, 'an empty entry is still an entry');
      assert.equal(k3sAddsPublicFallback(quay, disabled, 'configs:\n  quay-proxy.example.com:\n    auth: { username: u }\n'), false);
      assert.equal(k3sAddsPublicFallback(entry(), disabled, 'configs:\n  docker.io:\n    auth: { username: u }\n'), false, 'the upstream is the own host: nothing more');
    });

    it('sees its endpoint in force only when k3s rendered it with its CA and skip_verify in that endpoint\'s table', () => {
      // As k3s v1.32's SetupContainerdConfig renders them (e2e/toolchain/k3s-hosts).
      const header = '# File generated by k3s. DO NOT EDIT.\n\nserver = "https://registry-1.docker.io/v2"\ncapabilities = ["pull", "resolve", "push"]\n\n\n[host]\n';
      const berth = '[host."https://cache.example.com:443/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n';
      const other = '[host."https://other.example.com/v2"]\n  capabilities = ["pull", "resolve"]\n  ca = ["/ca.pem"]\n  skip_verify = true\n';
      const r = (tls: Record<string, unknown>) => entry({ mirror: 'https://cache.example.com:443', tls });
      assert.equal(k3sRenderedEndpoint(r({ caFile: '/ca.pem' }), `${header}${berth}  ca = ["/ca.pem"]\n`), true);
      assert.equal(k3sRenderedEndpoint(r({ caFile: '/ca.pem' }), `${header}${berth}${other}`), false, 'the CA of another endpoint is not ours');
      assert.equal(k3sRenderedEndpoint(r({ insecureSkipVerify: true }), `${header}${berth}  skip_verify = true\n`), true);
      assert.equal(k3sRenderedEndpoint(r({ insecureSkipVerify: true }), `${header}${berth}${other}`), false, 'rendered before skip_verify was set');
      assert.equal(k3sRenderedEndpoint(r({}), `${header}${berth}`), true);
      assert.equal(k3sRenderedEndpoint(r({}), header), false);
      assert.equal(k3sRenderedEndpoint(r({}), undefined), false);
      assert.equal(k3sRenderedEndpoint(entry(), '[host."http://10.96.0.50:5000/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n'), true);
    });

    it('sets a key below an empty `configs:` and takes it back without leaving empty maps', () => {
      const set = mergeYamlKeys('configs:\n', [{ key: ['configs', 'h:443', 'tls', 'ca_file'], value: '/ca.pem' }]);
      assert.equal(set, 'configs:\n  h:443:\n    tls:\n      ca_file: /ca.pem\n');
      assert.equal(mergeYamlKeys('configs:\n  h:443:\n    auth: { username: u }\n    tls:\n      ca_file: /ca.pem\n', [{ key: ['configs', 'h:443', 'tls', 'ca_file'], value: undefined }]), 'configs:\n  h:443:\n    auth: { username: u }\n');
    });

    it('deleting its last entry drops the empty section', () => {
      const text = mergeYamlKeys('mirrors:\n  docker.io:\n    endpoint: [x]\nconfigs:\n  a: {}\n', [{ key: ['mirrors', 'docker.io'], value: undefined }]);
      assert.equal(text, 'configs:\n  a: {}\n');
    });
  });

  describe('Docker daemon.json', () => {
    it('puts the cache first and keeps other keys and mirrors', () => {
      assert.equal(
        mergeDaemonJson('{"log-driver":"json-file","registry-mirrors":["https://other.example.com"]}', { add: 'http://10.96.0.50:5000' }),
        '{\n  "log-driver": "json-file",\n  "registry-mirrors": [\n    "http://10.96.0.50:5000",\n    "https://other.example.com"\n  ]\n}\n',
      );
    });
    it('removes only its own URL, and the key when it added it alone', () => {
      assert.equal(mergeDaemonJson('{"debug":true,"registry-mirrors":["http://c:5000"]}', { remove: 'http://c:5000' }), '{\n  "debug": true\n}\n');
    });
  });
});
