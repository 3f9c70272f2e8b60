import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { ApplyResult } from '@berth/contracts/node-agent';
import { applyNodeMirror } from './apply.ts';
import { validateNodeAgentConfig } from '@berth/contracts/node-agent';

const REGISTRIES = '/etc/rancher/k3s/registries.yaml';
const STATE = '/var/lib/berth/node-agent';
const PASSWORD = 'Sup3r-s3cret';

const hub = { registry: 'docker.io', project: 'team-a/hub', mirror: 'https://cache.example.com:443', upstream: 'https://registry-1.docker.io', runtimes: ['k3s'], tls: { caFile: '/etc/berth/ca.crt' } };
const quay = { registry: 'quay.io', project: 'team-a/quay', mirror: 'http://10.96.0.50:5000', upstream: 'https://quay-proxy.corp.example.com', runtimes: ['k3s'] };

/** A site's registries.yaml: credentials for the cache host (under the key k3s looks up) and for another registry. */
const SITE = `# site registries
mirrors:
  ghcr.io:
    endpoint:
      - https://ghcr-mirror.corp.example.com
configs:
  cache.example.com:443:
    auth:
      username: robot
      password: ${PASSWORD}
  ghcr-mirror.corp.example.com:
    auth:
      username: robot
      password: ${PASSWORD}
`;

describe('k3s / RKE2 registries.yaml: the site\'s secrets, modes and fallbacks', () => {
  let root: string;
  const at = (p: string) => join(root, p);
  const put = async (p: string, text: string, mode = 0o644) => {
    await mkdir(dirname(at(p)), { recursive: true });
    await writeFile(at(p), text);
    await chmod(at(p), mode);
  };
  const mode = async (p: string) => (await stat(at(p))).mode & 0o777;
  const yaml = async () => parse(await readFile(at(REGISTRIES), 'utf8')) as { mirrors?: Record<string, { endpoint: string[] }>; configs?: Record<string, unknown> };
  const apply = (registries: unknown[]) => applyNodeMirror(validateNodeAgentConfig({ registries }), { hostRoot: root, stateDir: STATE });
  const k3s = (r: ApplyResult, registry: string) => r.registries.find((x) => x.registry === registry)?.results.find((x) => x.runtime === 'k3s');
  /** Every file of the agent's state directory, with its mode and text. */
  const stateFiles = async () => {
    const out: { path: string; mode: number; text: string }[] = [];
    for (const e of await readdir(at(STATE), { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const p = join(e.parentPath, e.name);
      out.push({ path: p.slice(root.length), mode: (await stat(p)).mode & 0o777, text: await readFile(p, 'utf8') });
    }
    return out;
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-k3s-'));
    await mkdir(at('/etc/rancher/k3s'), { recursive: true });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps a 0600 registries.yaml 0600, and its owner', async () => {
    await put(REGISTRIES, SITE, 0o600);
    await chown(at(REGISTRIES), 1234, 1234);
    await apply([hub]);
    assert.equal(await mode(REGISTRIES), 0o600);
    assert.deepEqual([(await stat(at(REGISTRIES))).uid, (await stat(at(REGISTRIES))).gid], [1234, 1234]);
    await apply([]);
    assert.equal(await readFile(at(REGISTRIES), 'utf8'), SITE, 'restored byte for byte');
    assert.equal(await mode(REGISTRIES), 0o600);
  });

  it('creates a registries.yaml 0600', async () => {
    await apply([quay]);
    assert.equal(await mode(REGISTRIES), 0o600);
  });

  it('keeps the site\'s credentials out of anything world-readable in its state', async () => {
    await put(REGISTRIES, SITE, 0o600);
    await apply([hub]);
    assert.equal((await stat(at(STATE))).mode & 0o777, 0o700);
    const files = await stateFiles();
    assert.ok(files.length >= 2, 'the manifest and the one-time backup of registries.yaml');
    for (const f of files) assert.equal(f.mode, 0o600, `${f.path} is private`);
    const manifest = files.find((f) => f.path.endsWith('manifest.json'));
    assert.ok(manifest && !manifest.text.includes(PASSWORD), 'the manifest holds no password: the agent owns keys below the auth');
  });

  it('merges configs.<cache host>: the site\'s auth stays, the CA is added under the host:port k3s looks up', async () => {
    await put(REGISTRIES, SITE, 0o600);
    await apply([hub]);
    const doc = await yaml();
    assert.deepEqual(doc.configs?.['cache.example.com:443'], { auth: { username: 'robot', password: PASSWORD }, tls: { ca_file: '/etc/berth/ca.crt' } });
    assert.equal(doc.configs?.['cache.example.com'], undefined, 'no entry under the host without its port: k3s would not read it');
    assert.deepEqual(doc.mirrors?.['docker.io'], { endpoint: ['https://cache.example.com:443/v2/docker.io'] });
    assert.deepEqual(doc.mirrors?.['ghcr.io'], { endpoint: ['https://ghcr-mirror.corp.example.com'] });
  });

  it('reports Configured only once k3s rendered the endpoint and its CA', async () => {
    await put(REGISTRIES, SITE, 0o600);
    assert.equal(k3s(await apply([hub]), 'docker.io')?.reason, 'RestartRequired');
    const rendered = '/var/lib/rancher/k3s/agent/etc/containerd/certs.d/docker.io/hosts.toml';
    await put(rendered, '[host."https://cache.example.com:443/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n');
    assert.equal(k3s(await apply([hub]), 'docker.io')?.reason, 'RestartRequired', 'rendered without the CA: k3s runs an older file');
    await put(rendered, '[host."https://cache.example.com:443/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = ["/etc/berth/ca.crt"]\n');
    assert.equal(k3s(await apply([hub]), 'docker.io')?.verdict, 'mirrored');
  });

  it('lists the upstream itself when k3s runs with --disable-default-registry-endpoint (config.yaml.d)', async () => {
    await put('/etc/rancher/k3s/config.yaml', 'write-kubeconfig-mode: "0644"\n');
    await put('/etc/rancher/k3s/config.yaml.d/50-registries.yaml', 'disable-default-registry-endpoint: true\n');
    const r = await apply([hub]);
    assert.deepEqual((await yaml()).mirrors?.['docker.io'], { endpoint: ['https://cache.example.com:443/v2/docker.io', 'https://registry-1.docker.io'] });
    assert.deepEqual([r.runtimes[0]?.defaultEndpointDisabled, r.runtimes[0]?.defaultEndpointFrom], [true, '/etc/rancher/k3s/config.yaml.d/50-registries.yaml']);
  });

  it('reads the flag from the k3s systemd unit too', async () => {
    await put('/etc/systemd/system/k3s-agent.service', "[Service]\nExecStart=/usr/local/bin/k3s \\\n    agent \\\n\t'--disable-default-registry-endpoint' \\\n");
    await apply([hub]);
    assert.deepEqual((await yaml()).mirrors?.['docker.io']?.endpoint, ['https://cache.example.com:443/v2/docker.io', 'https://registry-1.docker.io']);
  });

  it('a non-default upstream follows the cache, and the report says k3s adds the registry\'s own host after it', async () => {
    await put('/var/lib/rancher/k3s/agent/etc/containerd/certs.d/quay.io/hosts.toml', '[host."http://10.96.0.50:5000/v2/quay.io"]\n');
    const r = k3s(await apply([quay]), 'quay.io');
    assert.deepEqual((await yaml()).mirrors?.['quay.io'], { endpoint: ['http://10.96.0.50:5000/v2/quay.io', 'https://quay-proxy.corp.example.com'] });
    assert.equal(r?.verdict, 'mirrored');
    assert.match(r?.message ?? '', /adds quay\.io's own host as the last fallback unless it runs with --disable-default-registry-endpoint/);
    await put('/etc/rancher/k3s/config.yaml', 'disable-default-registry-endpoint: true\n');
    assert.doesNotMatch(k3s(await apply([quay]), 'quay.io')?.message ?? '', /own host/);
  });

  it('with the flag, a site\'s configs.<registry> keeps k3s\'s public fallback, and the report says why', async () => {
    await put('/etc/rancher/k3s/config.yaml', 'disable-default-registry-endpoint: true\n');
    await put(REGISTRIES, `configs:\n  quay.io:\n    auth:\n      username: robot\n      password: ${PASSWORD}\n`, 0o600);
    await put('/var/lib/rancher/k3s/agent/etc/containerd/certs.d/quay.io/hosts.toml', 'server = "https://quay.io/v2"\n[host."http://10.96.0.50:5000/v2/quay.io"]\n');
    const r = k3s(await apply([quay]), 'quay.io');
    assert.equal(r?.verdict, 'mirrored');
    assert.match(r?.message ?? '', /adds quay\.io's own host as the last fallback even with --disable-default-registry-endpoint, because \/etc\/rancher\/k3s\/registries\.yaml has configs\.quay\.io/);
  });

  it('takes back an older agent\'s whole configs.<host> entry: the auth it held goes back into registries.yaml', async () => {
    await put(REGISTRIES, 'configs:\n  cache.example.com:443:\n    tls:\n      ca_file: /old/ca.crt\n', 0o600);
    const previous = { auth: { username: 'robot', password: PASSWORD } };
    await put(`${STATE}/manifest.json`, JSON.stringify({
      version: 1, files: {}, sharedBackups: {}, createdFiles: [],
      entries: [{ file: REGISTRIES, key: ['configs', 'cache.example.com:443'], registry: 'docker.io', runtime: 'k3s', value: { tls: { ca_file: '/old/ca.crt' } }, previous }],
    }));
    await apply([hub]);
    assert.deepEqual((await yaml()).configs?.['cache.example.com:443'], { auth: { username: 'robot', password: PASSWORD }, tls: { ca_file: '/etc/berth/ca.crt' } });
    const manifest = await readFile(at(`${STATE}/manifest.json`), 'utf8');
    assert.ok(!manifest.includes(PASSWORD), 'the rewritten manifest no longer holds the password');
    assert.equal(await mode(`${STATE}/manifest.json`), 0o600);
    await apply([]);
    assert.deepEqual((await yaml()).configs?.['cache.example.com:443'], previous, 'the site\'s own entry, not the older agent\'s CA');
  });
});
