// The node agent's CLI as node-provisioning scripts use it: `--once` and `--check` exit with the node's verdict
// (0 mirrored, 3 not mirrored, 4 unknown, 2 usage), and `--check` leaves every byte of the node as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { NodeAgentReport } from '@berth/contracts/node-agent';
import { CommandError, proxyCliCommand, run, tempDir, type TempDir } from '@berth/e2e';

const HOSTS_TOML = '/etc/containerd/certs.d/docker.io/hosts.toml';
const CONFIG_TOML = '/etc/containerd/config.toml';

describe('node agent CLI: --once and --check as a provisioning gate', function () {
  let root: TempDir; // the node's / as the agent sees it
  let configFile: string;

  const at = (p: string) => join(root.path, p);
  const put = async (p: string, text: string) => {
    await mkdir(dirname(at(p)), { recursive: true });
    await writeFile(at(p), text);
  };
  /** Runs the real CLI; returns its exit code and the report it printed. */
  const agent = async (...flags: string[]): Promise<{ code: number | null; report?: NodeAgentReport; stderr: string }> => {
    const cli = proxyCliCommand();
    const args = [...cli.args, 'node-agent', '--config', configFile, '--host-root', root.path, '--state-dir', '/var/lib/berth/node-agent', ...flags];
    try {
      return { code: 0, report: JSON.parse(await run(cli.command, args, { cwd: cli.cwd })) as NodeAgentReport, stderr: '' };
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      return { code: err.exitCode, ...(err.stdout ? { report: JSON.parse(err.stdout) as NodeAgentReport } : {}), stderr: err.stderr };
    }
  };
  /** Every file under the host root with a digest of its content: the node as a whole. */
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const e of await readdir(root.path, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const p = join(e.parentPath, e.name);
      out[p.slice(root.path.length)] = createHash('sha256').update(await readFile(p)).digest('hex');
    }
    return out;
  };
  const containerd = (r: NodeAgentReport | undefined) => r?.registries[0]?.results.find((x) => x.runtime === 'containerd');

  before(async function () {
    root = await tempDir('berth-gate');
    configFile = join(root.path, 'agent.yaml');
    await writeFile(configFile, stringify({ registries: [{ registry: 'docker.io', project: 'team-a/hub', mirror: 'http://10.96.0.50:5000', upstream: 'https://registry-1.docker.io', runtimes: ['containerd'] }] }));
    // A containerd 1.x-style config without config_path, and the kubelet's config naming containerd's socket.
    await put(CONFIG_TOML, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n');
    await put('/var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\ncontainerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n');
  });

  after(async function () {
    await root?.remove();
  });

  it('--check on a fresh node exits 3, says what it would write, and changes nothing', async function () {
    const before = await snapshot();
    const { code, report } = await agent('--check');
    assert.equal(code, 3);
    assert.deepEqual([report?.checkOnly, report?.verdict, report?.changed], [true, 'not-mirrored', [HOSTS_TOML]]);
    assert.deepEqual([containerd(report)?.reason, containerd(report)?.fix], ['NotApplied', 'run the node agent without --check']);
    assert.deepEqual(await snapshot(), before, 'no file on the node changed, none was added (state directory included)');
  });

  it('--once writes hosts.toml but still exits 3 while containerd does not read it, and names the fix', async function () {
    const { code, report } = await agent('--once');
    assert.equal(code, 3);
    assert.deepEqual([report?.changed, containerd(report)?.reason], [[HOSTS_TOML], 'ConfigPathUnset']);
    assert.match(containerd(report)?.fix ?? '', /^set config_path = "\/etc\/containerd\/certs\.d" under \[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\] in \/etc\/containerd\/config\.toml/);
  });

  it('once config_path is set, --check exits 0 with nothing left to change', async function () {
    await put(CONFIG_TOML, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n');
    const { code, report } = await agent('--check');
    assert.equal(code, 0);
    assert.deepEqual([report?.verdict, report?.changed, containerd(report)?.verdict], ['mirrored', [], 'mirrored']);
  });

  it('exits 4 when only the containerd version (not on hand) decides', async function () {
    await put(CONFIG_TOML, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n');
    const { code, report } = await agent('--check');
    assert.equal(code, 4);
    assert.deepEqual([report?.verdict, containerd(report)?.reason], ['unknown', 'ContainerdVersionUnknown']);
  });

  it('refuses --once together with --check (usage, exit 2)', async function () {
    const { code, stderr } = await agent('--once', '--check');
    assert.equal(code, 2);
    assert.match(stderr, /pass one of them/);
  });
});
