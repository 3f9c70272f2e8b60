// The node agent against real runtimes: it writes a temp host root as it would a node's /, then a real
// containerd (ctr --hosts-dir) and skopeo (--registries-conf, as CRI-O reads it) pull docker.io images through
// a running proxy, fall back to the upstream's host when the proxy is down, and get their old files back.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { NodeAgentReport } from '@berth/contracts/node-agent';
import {
  buildImage, CommandError, freePort, proxyCliCommand, pullImage, pushImage, run, startContainerd, startProxy, startRegistry,
  tempDir, type Containerd, type Registry, type RunningProxy, type TempDir, type TestImage,
} from '@berth/e2e';

const SITE_HOSTS_TOML = 'server = "https://site-mirror.example.com"\n';

describe('node agent: runtimes pull through the cache @real', function () {
  let upstream: Registry; // what the proxy mirrors as docker.io
  let fallback: Registry; // stands in for docker.io's own host: the `server` line of hosts.toml
  let image: TestImage;
  let proxy: RunningProxy | undefined;
  let proxyDir: TempDir; // the proxy's config file and storage
  let containerd: Containerd;
  let root: TempDir; // the node's / as the agent sees it
  let configFile: string;

  const at = (p: string) => join(root.path, p);
  const agentConfig = (registries: unknown[]) => writeFile(configFile, stringify({ registries }));
  /** `--once`; exit 3 (not mirrored: CRI-O still needs its reload) prints the report all the same. */
  const runAgent = async (): Promise<NodeAgentReport> => {
    const cli = proxyCliCommand();
    const args = [...cli.args, 'node-agent', '--config', configFile, '--host-root', root.path, '--state-dir', '/var/lib/berth/node-agent', '--once'];
    try {
      return JSON.parse(await run(cli.command, args, { cwd: cli.cwd })) as NodeAgentReport;
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === 3) return JSON.parse(err.stdout) as NodeAgentReport;
      throw err;
    }
  };
  const manifestGets = (entries: { method: string; path: string }[]) =>
    entries.filter((e) => e.method === 'GET' && e.path.startsWith('/v2/library/app/manifests/')).length;

  before(async function () {
    [upstream, fallback, image, containerd, root, proxyDir] = await Promise.all([
      startRegistry(), startRegistry(), buildImage({ layerSizes: [200_000, 50_000] }), startContainerd(), tempDir('berth-host-root'),
      tempDir('berth-proxy'),
    ]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    await pushImage(image, `${fallback.host}/library/app:v1`);
    const proxyConfig = join(proxyDir.path, 'proxy.yaml');
    await writeFile(proxyConfig, stringify({
      listen: `127.0.0.1:${await freePort()}`, storage: { directory: join(proxyDir.path, 'storage') },
      projects: [{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, default: true }],
    }));
    proxy = await startProxy({ configFile: proxyConfig });
    // A node with containerd (config_path set), CRI-O installed next to it (its crio.conf and the containers
    // tools' registries.conf) and a hosts.toml of the site's own, which the agent must put back when Berth no
    // longer mirrors docker.io. With no Node object and no kubelet config, files decide which runtimes exist.
    const files: Record<string, string> = {
      '/etc/containerd/config.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n',
      '/etc/containerd/certs.d/docker.io/hosts.toml': SITE_HOSTS_TOML,
      '/etc/crio/crio.conf': '[crio.image]\n',
      '/etc/containers/registries.conf': 'short-name-mode = "permissive"\n',
    };
    for (const [p, text] of Object.entries(files)) {
      await mkdir(dirname(at(p)), { recursive: true });
      await writeFile(at(p), text);
    }
    configFile = join(root.path, 'agent.yaml');
  });

  after(async function () {
    // The proxy's directory goes once the proxy has stopped writing to it.
    const proxyGone = Promise.allSettled([proxy?.stop()]).then(() => proxyDir?.remove());
    await Promise.allSettled([proxyGone, containerd?.stop(), upstream?.stop(), fallback?.stop(), image?.dispose(), root?.remove()]);
  });

  it('writes containerd and CRI-O config and reports containerd ready', async function () {
    await agentConfig([{ registry: 'docker.io', project: 'team-a/docker-hub', mirror: proxy?.url, upstream: fallback.url, rootMirror: true }]);
    const report = await runAgent();
    assert.deepEqual(report.changed.sort(), ['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containers/registries.conf.d/90-berth-docker.io.conf']);
    const results = report.registries[0]?.results.map((r) => [r.runtime, r.state, r.reason]);
    assert.deepEqual(results, [['containerd', 'active', 'Configured'], ['crio', 'pending', 'RestartRequired']]);
    assert.equal(report.runtimes.find((r) => r.name === 'containerd')?.configPathSet, true);
    assert.match(await readFile(at('/etc/containerd/certs.d/docker.io/hosts.toml'), 'utf8'), new RegExp(`server = "${fallback.url}"`));
  });

  it('containerd pulls docker.io/library/app through the proxy', async function () {
    await containerd.pull('docker.io/library/app:v1', { hostsDir: at('/etc/containerd/certs.d') });
    await upstream.waitForAccessLog((e) => manifestGets(e) > 0);
    assert.equal(manifestGets(await fallback.accessLog()), 0, 'the fallback was not asked');
  });

  it('skopeo pulls through the generated CRI-O drop-in', async function () {
    const before = manifestGets(await fallback.accessLog());
    const pulled = await pullImage('docker.io/library/app:v1', { registriesConf: at('/etc/containers/registries.conf.d/90-berth-docker.io.conf') });
    try {
      assert.deepEqual((await pulled.blobDigests()).filter((d) => image.layerDigests.includes(d)).sort(), [...image.layerDigests].sort());
    } finally {
      await pulled.dir.remove();
    }
    assert.equal(manifestGets(await fallback.accessLog()), before, 'served by the proxy, not the fallback');
  });

  it('with the proxy stopped, containerd falls back to the server line', async function () {
    await proxy?.stop();
    proxy = undefined;
    await containerd.forgetImages();
    await containerd.pull('docker.io/library/app:v1', { hostsDir: at('/etc/containerd/certs.d') });
    assert.ok(manifestGets(await fallback.accessLog()) > 0, 'the fallback served the manifest');
  });

  it('removing the project restores the files the agent replaced and removes its own', async function () {
    await agentConfig([]);
    const report = await runAgent();
    assert.deepEqual(report.restored.sort(), ['/etc/containerd/certs.d/docker.io/hosts.toml', '/etc/containers/registries.conf.d/90-berth-docker.io.conf']);
    assert.equal(await readFile(at('/etc/containerd/certs.d/docker.io/hosts.toml'), 'utf8'), SITE_HOSTS_TOML);
    await assert.rejects(stat(at('/etc/containers/registries.conf.d/90-berth-docker.io.conf')), { code: 'ENOENT' });
    assert.equal(await readFile(at('/etc/containers/registries.conf'), 'utf8'), 'short-name-mode = "permissive"\n');
  });
});
