// The node agent on k3s nodes, checked by k3s's own code: the agent merges its entries into a site's
// registries.yaml, k3s v1.32's SetupContainerdConfig (e2e/toolchain/k3s-hosts) renders the hosts.toml tree from it
// as a restarted k3s would, and a real containerd pulls with that tree — through a Berth proxy in front of a real
// registry, and from the fallback when Berth is down. The agent's second run reads what k3s rendered, so its
// report is checked against k3s's files, and the pulls check those files against containerd.
//
// Two nodes: a k3s node of a site (its own 0600 registries.yaml with credentials for the cache host, Berth at an
// https://host:443 mirror with a private CA, non-default upstreams) and an RKE2 node — RKE2 runs k3s's agent code,
// with its own paths — run with --disable-default-registry-endpoint (docker.io's default upstream; quay.io's
// non-default one, with the site's credentials for quay.io itself).
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { NodeAgentReport, RuntimeResult } from '@berth/contracts/node-agent';
import type { ProxyStats } from '@berth/contracts/stats';
import {
  buildImage, CommandError, createTestCa, freePort, proxyCliCommand, pushImage, renderAsK3s, run, startContainerd, startProxy,
  startRegistry, tempDir, type Containerd, type K3sRendered, type Registry, type RunningProxy, type TempDir, type TestCa,
  type TestImage,
} from '@berth/e2e';

type Distro = 'k3s' | 'rke2';

/** Where k3s (RKE2: rke2) reads registries.yaml, and where it writes containerd's config. */
const registriesYaml = (distro: Distro) => `/etc/rancher/${distro}/registries.yaml`;
const renderedDir = (distro: Distro) => `/var/lib/rancher/${distro}/agent/etc/containerd`;
const STATE = '/var/lib/berth/node-agent';
const PASSWORD = 'k3s-S1te-secret';
const HUB_REF = 'docker.io/library/app:v1';
const QUAY_REF = 'quay.io/team/tool:v1';
/**
 * `ctr` fetches with Go's HTTP client: a public host (k3s's default endpoint registry-1.docker.io) goes to this
 * closed local port and fails here instead of leaving the machine. Loopback IPs never use the proxy.
 */
const NO_EGRESS: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(https?|no|all)_proxy$/i.test(k))),
  HTTPS_PROXY: 'http://127.0.0.1:1',
  HTTP_PROXY: 'http://127.0.0.1:1',
};

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `[host."URL"]` tables of a hosts.toml, in file order: the order containerd tries them in. */
const hostTables = (toml: string) => [...toml.matchAll(/^\[host\."([^"]+)"\]$/gm)].map((m) => m[1]);

/** A k3s or RKE2 node (RKE2 runs k3s's agent code): a host root the agent writes, and what k3s rendered from it. */
interface Node {
  distro: Distro;
  root: TempDir;
  configFile: string;
  rendered?: K3sRendered;
}

describe('node agent on k3s and RKE2: k3s renders its registries.yaml, containerd pulls through Berth @real', function () {
  let upstream: Registry; // what Berth mirrors
  let fallback: Registry; // the upstream the agent lists after Berth: what nodes reach when Berth is down
  let image: TestImage;
  let ca: TestCa;
  let proxy: RunningProxy | undefined;
  let proxyDir: TempDir;
  let containerd: Containerd;
  let tlsAddress: string; // a loopback address of this test's own, so that port 443 is free on it
  let site: Node;
  let noDefault: Node;

  const at = (n: Node, p: string) => join(n.root.path, p);
  const manifestGets = async (r: Registry, repo: string) =>
    (await r.accessLog()).filter((e) => e.method === 'GET' && e.path.startsWith(`/v2/${repo}/manifests/`)).length;
  const berthServed = async (project: string) => {
    const stats = (await (await fetch(`${proxy?.url}/_berth/stats`)).json()) as ProxyStats;
    const p = stats.projects[project];
    return (p?.hits ?? 0) + (p?.misses ?? 0);
  };
  /** `--once`; exit 3 (a registry not mirrored yet: k3s not restarted) prints the report all the same. */
  const runAgent = async (n: Node): Promise<NodeAgentReport> => {
    const cli = proxyCliCommand();
    const args = [...cli.args, 'node-agent', '--config', n.configFile, '--host-root', n.root.path, '--state-dir', STATE, '--once'];
    try {
      return JSON.parse(await run(cli.command, args, { cwd: cli.cwd })) as NodeAgentReport;
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === 3) return JSON.parse(err.stdout) as NodeAgentReport;
      throw err;
    }
  };
  const k3sResult = (report: NodeAgentReport, registry: string): RuntimeResult | undefined =>
    report.registries.find((r) => r.registry === registry)?.results.find((r) => r.runtime === 'k3s' || r.runtime === 'rke2');
  /** The agent writes, k3s restarts (renders), the agent looks again: its report on what k3s now runs with. */
  const applyAndRestartK3s = async (n: Node, disableDefaultEndpoint: boolean) => {
    const first = await runAgent(n);
    n.rendered = await renderAsK3s({ registries: at(n, registriesYaml(n.distro)), out: at(n, renderedDir(n.distro)), disableDefaultEndpoint });
    return { first, second: await runAgent(n) };
  };
  const hostsToml = (n: Node, registry: string) => readFile(join(n.rendered?.certsDir as string, registry, 'hosts.toml'), 'utf8');
  const pull = async (n: Node, ref: string) => {
    await containerd.forgetImages();
    await containerd.pull(ref, { hostsDir: n.rendered?.certsDir as string, env: NO_EGRESS });
  };
  /**
   * Files of the node that hold the password and that anyone but their owner may read — leaving out what k3s
   * itself writes: it copies configs.*.auth into containerd's config.toml, 0644, but under its agent directory,
   * which k3s creates 0700 (pkg/agent/run.go).
   */
  const readableLeaks = async (n: Node) => {
    const leaks: string[] = [];
    for (const e of await readdir(n.root.path, { recursive: true, withFileTypes: true })) {
      const path = join(e.parentPath, e.name);
      if (!e.isFile() || path.startsWith(at(n, renderedDir(n.distro)))) continue;
      if (((await stat(path)).mode & 0o044) !== 0 && (await readFile(path, 'utf8')).includes(PASSWORD)) leaks.push(path);
    }
    return leaks;
  };
  const newNode = async (distro: Distro, files: Record<string, string>, registries: unknown[]): Promise<Node> => {
    const root = await tempDir(`berth-${distro}`);
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(join(root.path, p)), { recursive: true });
      await writeFile(join(root.path, p), text);
    }
    const configFile = join(root.path, 'agent.yaml');
    await writeFile(configFile, stringify({ registries }));
    return { distro, root, configFile };
  };

  before(async function () {
    [upstream, fallback, image, containerd, ca, proxyDir] = await Promise.all([
      startRegistry(), startRegistry(), buildImage({ layerSizes: [150_000] }), startContainerd(), createTestCa(), tempDir('berth-proxy'),
    ]);
    for (const r of [upstream, fallback]) {
      await pushImage(image, `${r.host}/library/app:v1`);
      await pushImage(image, `${r.host}/team/tool:v1`);
    }
    const octet = () => 2 + Math.floor(Math.random() * 250);
    tlsAddress = `127.${octet()}.${octet()}.${octet()}`;
    const cert = await ca.issue('berth', [`IP:${tlsAddress}`]);
    const proxyConfig = join(proxyDir.path, 'proxy.yaml');
    await writeFile(proxyConfig, stringify({
      listen: `127.0.0.1:${await freePort()}`,
      tls: { listen: `${tlsAddress}:443`, certFile: cert.cert, keyFile: cert.key },
      storage: { directory: join(proxyDir.path, 'storage') },
      projects: [
        { name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, default: true },
        { name: 'quay', registry: 'quay.io', upstream: upstream.url },
      ],
    }));
    proxy = await startProxy({ configFile: proxyConfig });
    const mirror = `https://${tlsAddress}:443`;

    // The site's node: its registries.yaml has its own mirror and the credentials k3s uses for the cache host.
    const siteYaml = [
      '# site registries: k3s reads this file on start',
      'mirrors:',
      '  ghcr.io:',
      '    endpoint:',
      '      - https://ghcr-mirror.corp.example.com',
      'configs:',
      `  "${tlsAddress}:443":`,
      '    auth:',
      '      username: robot',
      `      password: ${PASSWORD}`,
      '',
    ].join('\n');
    site = await newNode('k3s', { [registriesYaml('k3s')]: siteYaml }, [
      { registry: 'docker.io', project: 'team-a/docker-hub', mirror, upstream: fallback.url, runtimes: ['k3s'], tls: { caFile: ca.caCert } },
      { registry: 'quay.io', project: 'team-a/quay', mirror: proxy.url, upstream: fallback.url, runtimes: ['k3s'] },
    ]);
    await chmod(at(site, registriesYaml('k3s')), 0o600);
    await chown(at(site, registriesYaml('k3s')), 1234, 1234);

    // An RKE2 node run with --disable-default-registry-endpoint (set in a config drop-in), with the site's
    // credentials for quay.io itself in its registries.yaml.
    noDefault = await newNode('rke2', {
      '/etc/rancher/rke2/config.yaml.d/50-registries.yaml': 'disable-default-registry-endpoint: true\n',
      [registriesYaml('rke2')]: `configs:\n  quay.io:\n    auth:\n      username: robot\n      password: ${PASSWORD}\n`,
    }, [
      { registry: 'docker.io', project: 'team-a/docker-hub', mirror: proxy.url, upstream: 'https://registry-1.docker.io', runtimes: ['rke2'] },
      { registry: 'quay.io', project: 'team-a/quay', mirror: proxy.url, upstream: fallback.url, runtimes: ['rke2'] },
    ]);
    await chmod(at(noDefault, registriesYaml('rke2')), 0o600);
  });

  after(async function () {
    const proxyGone = Promise.allSettled([proxy?.stop()]).then(() => proxyDir?.remove());
    await Promise.allSettled([
      proxyGone, containerd?.stop(), upstream?.stop(), fallback?.stop(), image?.dispose(), ca?.dispose(), site?.root.remove(),
      noDefault?.root.remove(),
    ]);
  });

  it('k3s node: k3s loads the merged file, renders Berth first with the CA under host:443, and the report matches', async function () {
    const { first, second } = await applyAndRestartK3s(site, false);
    assert.equal(k3sResult(first, 'docker.io')?.reason, 'RestartRequired', 'before k3s restarts, nothing is in force');
    const hub = await hostsToml(site, 'docker.io');
    assert.match(hub, /^server = "https:\/\/registry-1\.docker\.io\/v2"$/m, 'k3s keeps the public host as `server`');
    const berthHost = `[host."https://${tlsAddress}:443/v2/docker.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n  ca = [${JSON.stringify(ca.caCert)}]`;
    assert.ok(hub.includes(berthHost), `the CA under the :443 endpoint:\n${hub}`);
    assert.deepEqual(hostTables(hub), [`https://${tlsAddress}:443/v2/docker.io`, `${fallback.url}/v2`], 'Berth first, then the upstream the agent listed');
    const quay = await hostsToml(site, 'quay.io');
    assert.match(quay, /^server = "https:\/\/quay\.io\/v2"$/m);
    assert.deepEqual(hostTables(quay), [`${proxy?.url}/v2/quay.io`, `${fallback.url}/v2`]);
    assert.ok(quay.includes(`[host."${proxy?.url}/v2/quay.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n`), quay);
    for (const registry of ['docker.io', 'quay.io']) {
      const r = k3sResult(second, registry);
      assert.equal(r?.verdict, 'mirrored', `${registry}: ${r?.message}`);
      // What k3s rendered: the registry's own host as `server`, after the agent's endpoints. The report says so.
      assert.match(r?.message ?? '', new RegExp(`adds ${esc(registry)}'s own host as the last fallback`));
    }
  });

  it('k3s node: the site\'s credentials, entries and file modes survive, in k3s\'s eyes too', async function () {
    const yaml = parse(await readFile(at(site, registriesYaml('k3s')), 'utf8')) as { mirrors: Record<string, unknown>; configs: Record<string, unknown> };
    assert.deepEqual(yaml.configs[`${tlsAddress}:443`], { auth: { username: 'robot', password: PASSWORD }, tls: { ca_file: ca.caCert } });
    assert.deepEqual(yaml.mirrors['ghcr.io'], { endpoint: ['https://ghcr-mirror.corp.example.com'] });
    const st = await stat(at(site, registriesYaml('k3s')));
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o600, 1234, 1234], 'registries.yaml keeps its mode and owner');
    // k3s hands the site's auth for the cache host to containerd's CRI (config.toml), keyed as the endpoint spells it.
    const config = await readFile(site.rendered?.configToml as string, 'utf8');
    assert.match(config, new RegExp(`registry\\.configs\\."${esc(tlsAddress)}:443"\\.auth\\]\\n\\s*username = "robot"\\n\\s*password = "${PASSWORD}"`));
    assert.deepEqual(await readableLeaks(site), []);
    assert.equal((await stat(at(site, STATE))).mode & 0o777, 0o700);
  });

  it('k3s node: containerd pulls through Berth over https://host:443, trusting the CA k3s rendered', async function () {
    const hub = [await berthServed('docker-hub'), await manifestGets(fallback, 'library/app')];
    await pull(site, HUB_REF);
    assert.ok((await berthServed('docker-hub')) > (hub[0] as number), 'Berth served the pull');
    assert.equal(await manifestGets(fallback, 'library/app'), hub[1], 'the fallback was not asked');
    const quay = await berthServed('quay');
    await pull(site, QUAY_REF);
    assert.ok((await berthServed('quay')) > quay, 'Berth served quay.io');
  });

  it('RKE2 node, --disable-default-registry-endpoint: the agent\'s listed upstream is the fallback; configs.<registry> keeps k3s\'s', async function () {
    const { second } = await applyAndRestartK3s(noDefault, true);
    assert.equal(second.runtimes.find((r) => r.name === 'rke2')?.defaultEndpointDisabled, true);
    for (const [registry, upstreamEndpoint] of [['docker.io', 'https://registry-1.docker.io/v2'], ['quay.io', `${fallback.url}/v2`]] as const) {
      assert.deepEqual(hostTables(await hostsToml(noDefault, registry)), [`${proxy?.url}/v2/${registry}`, upstreamEndpoint], `${registry}: Berth, then the upstream`);
      assert.equal(k3sResult(second, registry)?.verdict, 'mirrored', `${registry}: ${k3sResult(second, registry)?.message}`);
    }
    assert.deepEqual(await readableLeaks(noDefault), [], 'the site\'s quay.io password stays private');
    assert.doesNotMatch(await hostsToml(noDefault, 'docker.io'), /^server =/m, 'k3s drops its default endpoint');
    assert.doesNotMatch(k3sResult(second, 'docker.io')?.message ?? '', /own host/, 'and the report claims none');
    // The site's configs.quay.io makes k3s keep quay.io's default endpoint despite the flag: the report must say so.
    assert.match(await hostsToml(noDefault, 'quay.io'), /^server = "https:\/\/quay\.io\/v2"$/m);
    assert.match(k3sResult(second, 'quay.io')?.message ?? '', /adds quay\.io's own host as the last fallback even with --disable-default-registry-endpoint/);
    const before = await berthServed('docker-hub');
    await pull(noDefault, HUB_REF);
    assert.ok((await berthServed('docker-hub')) > before, 'Berth served the pull');
  });

  it('with Berth down, containerd falls back to the upstream k3s rendered from the agent\'s entries', async function () {
    await proxy?.stop();
    proxy = undefined;
    for (const [n, ref, repo] of [[site, HUB_REF, 'library/app'], [site, QUAY_REF, 'team/tool'], [noDefault, QUAY_REF, 'team/tool']] as const) {
      const before = await manifestGets(fallback, repo);
      await pull(n, ref);
      assert.ok((await manifestGets(fallback, repo)) > before, `${ref} came from the fallback`);
    }
    // docker.io's default upstream is the public host, listed by the agent since k3s drops its own: containerd
    // tries it (and the no-egress proxy stops it here).
    await assert.rejects(pull(noDefault, HUB_REF), (err: Error) => /registry-1\.docker\.io/.test(err.message) && /127\.0\.0\.1:1/.test(err.message));
  });
});
