// The node agent's containerd report against what real containerd daemons do (issue 17). For each release line the
// bed builds (1.7, 2.1, 2.2: e2e/toolchain/build.sh containerd) and each configuration issue 17 names, the test
// writes the node's files, lets the agent apply its hosts.toml (`--once`, which also gives its report when the Node
// object names no version), starts that containerd on those files in a network namespace where only Berth's proxy
// is reachable, pulls with crictl as the kubelet would, and checks that the report matches the pull:
//   mirrored      ↔ the pull succeeded and the proxy served it;
//   not mirrored  ↔ the pull failed without reaching the proxy (the namespace has no other way out);
//   unknown       only where the test says so: a daemon that refuses the config (it never pulls), and the agent
//                 without the daemon's version when the releases that accept the files disagree.
// The agent's verdict with the daemon's version is what it reports once the Node object names it
// (status.nodeInfo.containerRuntimeVersion, the version the CRI reports, read here with crictl the same way).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { NodeAgentReport, Verdict } from '@berth/contracts/node-agent';
import type { ProxyStats } from '@berth/contracts/stats';
import {
  buildImage, CommandError, containerdVersions, ContainerdRefusedToStart, createNetworkNamespace, freePort, proxyCliCommand, pushImage,
  run, startNodeContainerd, startProxy, startRegistry, tempDir, type NetworkNamespace, type Registry, type RunningProxy, type TempDir,
  type TestImage,
} from '@berth/e2e';
import { assessContainerd } from '../src/containerd/assess.ts';
import { hostConfigFiles } from '../src/containerd/config-files.ts';
import { EXIT_CODES } from '../src/gate.ts';

const CERTS = '/etc/containerd/certs.d';
const COLON = '/etc/containerd/certs.d:/etc/docker/certs.d';
const IMAGE = 'docker.io/library/app:v1';

/** The config file generation a release line writes: version 2 for 1.7, version 3 for 2.x. */
type Generation = 'v2' | 'v3';
/** What the daemon did with the config and the pull. */
type Pull = 'through Berth' | 'missed Berth' | 'refused the config';

interface Scenario {
  name: string;
  /** The node's files for a daemon whose own config generation is `gen`. */
  files(gen: Generation): Record<string, string>;
  /** What each line does, as issue 17 found it: keyed by major.minor. */
  pulls: Record<string, Pull>;
  /** The agent's verdict without the daemon's version, when the test pins it (issue 17's named case). */
  withoutVersion?: Verdict;
}

const CRI: Record<Generation, string> = { v2: 'io.containerd.grpc.v1.cri', v3: 'io.containerd.cri.v1.images' };

/**
 * A config.toml (or drop-in) of one generation. `settings` are CRI image settings: on 2.x they sit in the images
 * section itself, on 1.x the snapshot ones under its `containerd` table.
 */
function config(gen: Generation, opts: { configPath?: string; settings?: string[]; imports?: string[]; registryConfigs?: boolean }): string {
  const out = [`version = ${gen === 'v2' ? 2 : 3}`];
  if (opts.imports) out.push(`imports = ${JSON.stringify(opts.imports)}`);
  const underContainerd = (s: string) => gen === 'v2' && /^(discard_unpacked_layers|disable_snapshot_annotations)\b/.test(s);
  const top = (opts.settings ?? []).filter((s) => !underContainerd(s));
  const nested = (opts.settings ?? []).filter(underContainerd);
  if (top.length > 0) out.push(`[plugins."${CRI[gen]}"]`, ...top);
  if (nested.length > 0) out.push(`[plugins."${CRI[gen]}".containerd]`, ...nested);
  if (opts.configPath !== undefined) out.push(`[plugins."${CRI[gen]}".registry]`, `config_path = ${JSON.stringify(opts.configPath)}`);
  if (opts.registryConfigs) out.push(`[plugins."${CRI[gen]}".registry.configs."registry.example.com".auth]`, 'username = "u"', 'password = "p"');
  return `${out.join('\n')}\n`;
}

const MAIN = '/etc/containerd/config.toml';
const DROP_IN = '/etc/containerd/conf.d/10-registry.toml';
const IMPORTS = ['/etc/containerd/conf.d/*.toml'];
const all = (pull: Pull) => ({ '1.7': pull, '2.1': pull, '2.2': pull });
const colonMisses: Record<string, Pull> = { '1.7': 'through Berth', '2.1': 'missed Berth', '2.2': 'missed Berth' };
/** 2.1+ fall back from the transfer service to the in-process pull (CheckLocalImagePullConfigs), which reads a colon list. */
const localPull = (setting: string): Scenario => ({
  name: `a colon config_path with ${setting}`,
  files: (gen) => ({ [MAIN]: config(gen, { configPath: COLON, settings: [setting] }) }),
  pulls: all('through Berth'),
});

const SCENARIOS: Scenario[] = [
  { name: 'a single config_path', files: (gen) => ({ [MAIN]: config(gen, { configPath: CERTS }) }), pulls: all('through Berth') },
  { name: 'a colon config_path', files: (gen) => ({ [MAIN]: config(gen, { configPath: COLON }) }), pulls: colonMisses },
  // False alarms of the agent before issue 17: the colon list works because CRI pulls run in-process.
  localPull('use_local_image_pull = true'),
  localPull('discard_unpacked_layers = true'),
  localPull('max_concurrent_downloads = 5'),
  localPull('image_pull_with_sync_fs = true'),
  localPull('disable_snapshot_annotations = false'),
  {
    name: 'a colon config_path with the old registry.configs tables',
    files: (gen) => ({ [MAIN]: config(gen, { configPath: COLON, registryConfigs: true }) }),
    pulls: all('through Berth'),
  },
  {
    name: 'config_path only in an imports drop-in',
    files: (gen) => ({ [MAIN]: config(gen, { imports: IMPORTS }), [DROP_IN]: config(gen, { configPath: CERTS }) }),
    pulls: all('through Berth'),
  },
  // False successes: CRI pulls skip hosts.toml while the agent said Configured.
  {
    name: 'an imports drop-in setting a colon list over a single path',
    files: (gen) => ({ [MAIN]: config(gen, { configPath: CERTS, imports: IMPORTS }), [DROP_IN]: config(gen, { configPath: COLON }) }),
    pulls: colonMisses,
  },
  {
    name: 'a version-3 file with config_path under the 1.x section name',
    files: () => ({ [MAIN]: `version = 3\n[plugins."${CRI.v2}".registry]\nconfig_path = "${CERTS}"\n` }),
    // 1.7 does not start on a version-3 file; 2.x ignores the old name ("Ignoring unknown key"): 2.1 has no
    // config_path then, 2.2 its colon default, which the transfer service takes as one folder.
    pulls: { '1.7': 'refused the config', '2.1': 'missed Berth', '2.2': 'missed Berth' },
  },
  {
    name: 'a version-2 file with a colon config_path',
    files: () => ({ [MAIN]: config('v2', { configPath: COLON }) }),
    pulls: colonMisses,
    // Mirrored on 1.x and 2.0, not on 2.1+: only the daemon's version can tell.
    withoutVersion: 'unknown',
  },
];

const lineOf = (version: string) => /^v?(\d+\.\d+)/.exec(version)?.[1] as string;
const generationOf = (version: string): Generation => (version.startsWith('v1.') ? 'v2' : 'v3');

describe('node agent: the containerd report matches what real containerd daemons do @real', function () {
  this.timeout(180_000);
  let netns: NetworkNamespace;
  let upstream: Registry;
  let image: TestImage;
  let proxy: RunningProxy;
  let proxyDir: TempDir;
  let agentConfig: string;
  /** One node folder per scenario and config generation, shared by the daemons of that generation. */
  const nodes = new Map<string, { root: TempDir; report: NodeAgentReport; exitCode: number }>();

  before(async function () {
    [netns, upstream, image, proxyDir] = await Promise.all([
      createNetworkNamespace(), startRegistry(), buildImage({ layerSizes: [20_000] }), tempDir('berth-proxy'),
    ]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    // The proxy listens on the host's end of the namespace's link, the one place the daemons may connect to; the
    // upstream registry stays on the host's loopback, out of their reach.
    const port = await freePort();
    const proxyConfig = join(proxyDir.path, 'proxy.yaml');
    await writeFile(proxyConfig, stringify({
      listen: `${netns.hostAddress}:${port}`, storage: { directory: join(proxyDir.path, 'storage') },
      projects: [{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, default: true }],
    }));
    proxy = await startProxy({ configFile: proxyConfig });
    await netns.allow(port);
    agentConfig = join(proxyDir.path, 'agent.yaml');
    await writeFile(agentConfig, stringify({
      registries: [{ registry: 'docker.io', project: 'team-a/docker-hub', mirror: proxy.url, upstream: 'https://registry-1.docker.io', rootMirror: true }],
    }));
  });

  after(async function () {
    const proxyGone = Promise.allSettled([proxy?.stop()]).then(() => proxyDir?.remove());
    await Promise.allSettled([proxyGone, upstream?.stop(), image?.dispose(), ...[...nodes.values()].map((n) => n.root.remove())]);
    await netns?.remove();
  });

  /** The node's files for a scenario, with the hosts.toml the agent writes, and the agent's report (no version). */
  async function node(scenario: Scenario, gen: Generation) {
    const key = `${scenario.name} ${gen}`;
    const known = nodes.get(key);
    if (known) return known;
    const root = await tempDir('berth-node');
    for (const [path, text] of Object.entries(scenario.files(gen))) {
      await mkdir(dirname(join(root.path, path)), { recursive: true });
      await writeFile(join(root.path, path), text);
    }
    const cli = proxyCliCommand();
    const args = [...cli.args, 'node-agent', '--config', agentConfig, '--host-root', root.path, '--once'];
    let stdout: string;
    let exitCode = 0;
    try {
      stdout = await run(cli.command, args, { cwd: cli.cwd });
    } catch (err) {
      if (!(err instanceof CommandError) || err.exitCode === null || err.exitCode === 1) throw err;
      [stdout, exitCode] = [err.stdout, err.exitCode];
    }
    const made = { root, report: JSON.parse(stdout) as NodeAgentReport, exitCode };
    nodes.set(key, made);
    return made;
  }

  const served = async () => {
    const stats = (await (await fetch(`${proxy.url}/_berth/stats`)).json()) as ProxyStats;
    return stats.hits + stats.misses;
  };

  /** What the daemon really did: start on the node's files, then a CRI pull. */
  async function pullOn(version: string, nodeRoot: string): Promise<{ pull: Pull; daemonVersion: string; detail: string }> {
    let daemon;
    try {
      daemon = await startNodeContainerd({ version, nodeRoot, netns });
    } catch (err) {
      if (err instanceof ContainerdRefusedToStart) return { pull: 'refused the config', daemonVersion: version, detail: err.log.slice(-600) };
      throw err;
    }
    try {
      const before = await served();
      const failure = await daemon.pull(IMAGE).then(() => undefined, (err: Error) => err.message);
      const seen = (await served()) - before;
      if (failure === undefined && seen > 0) return { pull: 'through Berth', daemonVersion: daemon.version, detail: `the proxy served ${seen} requests` };
      if (failure !== undefined && seen === 0) return { pull: 'missed Berth', daemonVersion: daemon.version, detail: failure };
      // Neither: a pull that succeeded past the proxy would mean the namespace leaks; one that failed after
      // reaching it, a broken proxy. Both void the comparison.
      throw new Error(`containerd ${version}: pull ${failure === undefined ? 'succeeded' : `failed (${failure})`} and the proxy served ${seen} requests`);
    } finally {
      await daemon.stop();
    }
  }

  for (const version of containerdVersions()) {
    const line = lineOf(version);
    const gen = generationOf(version);
    for (const scenario of SCENARIOS) {
      const expected = scenario.pulls[line];
      if (expected === undefined) continue;
      it(`containerd ${version}, ${scenario.name}: ${expected}, and the agent says so`, async function () {
        const { root, report, exitCode } = await node(scenario, gen);
        const { pull, daemonVersion, detail } = await pullOn(version, root.path);
        assert.equal(pull, expected, `containerd ${version} did not do what issue 17 found: ${detail}`);

        const assessment = await assessContainerd(hostConfigFiles(root.path), { daemonVersion });
        const why = `${assessment.reason}: ${assessment.message}`;
        if (pull === 'refused the config') {
          // It never pulls: the agent cannot call that mirrored or not, and says why.
          assert.deepEqual([assessment.verdict, assessment.reason], ['unknown', 'ContainerdConfigInvalid'], why);
        } else {
          assert.equal(assessment.verdict, pull === 'through Berth' ? 'mirrored' : 'not-mirrored', why);
          if (pull === 'through Berth') assert.equal(assessment.hostsDir, CERTS, 'where the agent wrote hosts.toml is where containerd read it');
        }

        // Without the version (no Node object): never wrong, at most unknown.
        const noVersion = report.registries[0]?.results.find((r) => r.runtime === 'containerd')?.verdict;
        assert.equal(exitCode, EXIT_CODES[report.verdict ?? 'failed'], 'the exit code is the node\'s verdict');
        if (scenario.withoutVersion !== undefined) assert.equal(noVersion, scenario.withoutVersion);
        else if (noVersion !== 'unknown') assert.equal(noVersion, pull === 'through Berth' ? 'mirrored' : 'not-mirrored', 'the report without a version contradicts the pull');
      });
    }
  }
});
