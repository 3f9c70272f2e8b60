// Node mirroring on the local control plane (RBAC on, kwok nodes): the operator, run with its own ServiceAccount
// token, renders the node agent's DaemonSet and ConfigMap; the REAL agent (berth-proxy node-agent) then runs on
// this host once per kwok node, against a temp dir standing in for that node's /, with the berth-node-agent
// ServiceAccount's token, and reports into berth-node-report-<node>; the project's status sums the reports.
// Everything lives in one namespace of its own (operator namespace = watched namespace), so this suite neither
// sees nor disturbs another run's berth-system.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { V1DaemonSet } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { CommandError, proxyCliCommand, run, startRegistry, tempDir, useCluster, waitFor, type Cluster, type Registry, type TempDir } from '@berth/e2e';
import { condition, getJson, waitForCondition, type Conditioned } from './cluster-fixture.ts';
import { startOperator, type OperatorProcess } from './operator-process.ts';
import { createTestNamespace, deleteTestNamespace, type TestNamespace } from './test-namespace.ts';

const NS = `berth-nm-${process.pid}`;
const HOSTS_TOML = '/etc/containerd/certs.d/docker.io/hosts.toml';
const WITH_CONFIG_PATH = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n';
const WITHOUT_CONFIG_PATH = 'version = 2\n';
const SITE_HOSTS_TOML = 'server = "https://site-mirror.example.com"\n';

interface Project extends Conditioned {
  metadata: Conditioned['metadata'] & { deletionTimestamp?: string };
  status?: Conditioned['status'] & { nodes?: { configured?: number; total?: number }; urls?: { nodeMirror?: string } };
}
interface AgentReport { node: string; changed: string[]; restored: string[]; errors: string[]; registries: { registry: string; results: { reason: string }[] }[] }
interface AgentConfig { nodeReports?: { namespace?: string }; registries: { registry: string; project: string; mirror: string; pathPrefix: string; upstream: string }[] }

describe('node mirroring on the local control plane @real', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  let upstream: Registry;
  let work: TempDir;
  let operator: OperatorProcess | undefined;
  let agentKubeconfig: string;
  let nodes: string[] = [];
  let testNamespace: TestNamespace | undefined;

  const kubectl = (args: string[], input?: string) => cluster.kubectl(args, input === undefined ? {} : { input });
  const apply = (yaml: string) => kubectl(['apply', '-n', NS, '-f', '-'], yaml);
  const hostRoot = (node: string) => join(work.path, 'nodes', node);
  const onNode = (node: string, path: string) => join(hostRoot(node), path);
  const put = async (node: string, path: string, text: string) => {
    await mkdir(dirname(onNode(node, path)), { recursive: true });
    await writeFile(onNode(node, path), text);
  };
  const exists = (node: string, path: string) => stat(onNode(node, path)).then(() => true, () => false);
  const getProject = (name: string) => getJson<Project>(cluster, ['-n', NS, 'pcp', name]);

  const projectYaml = (name: string) => `apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: ${name} }
spec:
  endpointRef: { name: upstream }
  registry: docker.io
  storage: { size: 1Gi }
  nodeMirror: { enabled: true, nodeSelector: { type: kwok } }
`;

  /** The agent ConfigMap's text once `want` accepts it. */
  async function agentConfig(want: (cfg: AgentConfig) => boolean, what: string): Promise<string> {
    return waitFor(async () => {
      const cm = await getJson<{ data?: Record<string, string> }>(cluster, ['-n', NS, 'configmap', 'berth-node-agent']);
      const text = cm?.data?.['agent.yaml'];
      return text !== undefined && want(parseYaml(text) as AgentConfig) ? text : undefined;
    }, { what, timeoutMs: 90_000, intervalMs: 250 });
  }

  /**
   * `berth-proxy node-agent --once` for one node, as the DaemonSet's pod would run it there. It exits 3 (not
   * mirrored) or 4 (unknown) with the report printed all the same: a node without config_path is one of the cases.
   */
  async function runAgent(node: string, configText: string): Promise<AgentReport> {
    const configFile = join(work.path, `agent-${node}.yaml`);
    await writeFile(configFile, configText);
    const cli = proxyCliCommand();
    const args = [...cli.args, 'node-agent', '--once', '--config', configFile, '--host-root', hostRoot(node), '--node-name', node, '--report-kubeconfig', agentKubeconfig];
    try {
      return JSON.parse(await run(cli.command, args, { cwd: cli.cwd, timeoutMs: 120_000 })) as AgentReport;
    } catch (err) {
      if (err instanceof CommandError && (err.exitCode === 3 || err.exitCode === 4)) return JSON.parse(err.stdout) as AgentReport;
      throw err;
    }
  }

  /** `kubectl auth can-i` as a ServiceAccount of this namespace: yes exits 0, no exits 1. */
  async function canI(serviceAccount: string, args: string[]): Promise<boolean> {
    try {
      await kubectl(['auth', 'can-i', ...args, `--as=system:serviceaccount:${NS}:${serviceAccount}`]);
      return true;
    } catch (error) {
      if (/exited 1\b/.test((error as Error).message)) return false;
      throw error;
    }
  }

  before(async () => {
    cluster = await useCluster();
    testNamespace = await createTestNamespace(cluster, NS);
    // a cluster admin's opt-in (operator/src/nodemirror/tenancy.ts): without it the operator mirrors nothing
    await kubectl(['label', 'namespace', NS, 'berth.dev/node-mirror=allowed']);
    nodes = (await kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean).sort();
    assert.ok(nodes.length >= 2, `expected at least two kwok nodes, found ${nodes.join(', ')}`);
    upstream = await startRegistry();
    work = await tempDir('berth-nodemirror');
    agentKubeconfig = await cluster.serviceAccountKubeconfig(NS, 'berth-node-agent');
    const operatorKubeconfig = await cluster.serviceAccountKubeconfig(NS, 'berth-operator');
    operator = await startOperator({ kubeconfig: operatorKubeconfig, identity: 'nm', logDir: work.path, operatorNamespace: NS, args: ['--namespace', NS] });
    await apply(`apiVersion: berth.dev/v1alpha1
kind: RegistryEndpoint
metadata: { name: upstream }
spec:
  provider: oci
  url: ${upstream.url}
`);
  });

  after(async () => {
    const stopOperators = async () => void (await operator?.stop());
    if (cluster && testNamespace) {
      // A project a failed test left mirroring waits for node agents that no longer run: the operator gets a
      // short while (the finalizer is then dropped), not the agents' report timeout.
      await deleteTestNamespace(cluster, testNamespace, { operatorRunning: () => operator?.isRunning() ?? false, stopOperators, projectsTimeoutMs: 20_000 });
    } else {
      await stopOperators();
    }
    await upstream?.stop();
    await work?.remove();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && operator) process.stderr.write(`--- operator log ---\n${(await operator.log()).slice(-6000)}\n`);
  });

  it('runs the node agent DaemonSet on every kwok node, fed a config with the ClusterIP address', async () => {
    await apply(projectYaml('hub'));
    const clusterIP = await waitFor(async () => (await kubectl(['get', 'service', 'berth-hub', '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim(), { what: 'the Service', timeoutMs: 60_000, intervalMs: 250 });
    assert.match(clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
    const text = await agentConfig((cfg) => cfg.registries.length === 1, 'the agent config to carry the hub project');
    const cfg = parseYaml(text) as AgentConfig;
    assert.deepEqual(cfg.nodeReports, { namespace: NS });
    assert.deepEqual(cfg.registries.map((r) => [r.registry, r.project, r.mirror, r.pathPrefix, r.upstream]), [['docker.io', `${NS}/hub`, `http://${clusterIP}:5000`, '/v2/docker.io', upstream.url]]);
    assert.doesNotMatch(text, /\.svc\b/, 'node runtimes cannot resolve cluster DNS names');

    // Applied with the config: the DaemonSet then targets the nodes the mirroring projects select.
    const ds = await waitFor(async () => {
      const found = await getJson<V1DaemonSet>(cluster, ['-n', NS, 'daemonset', 'berth-node-agent']);
      return found?.spec?.template.spec?.affinity ? found : undefined;
    }, { what: 'the node agent DaemonSet with the projects\' node affinity', timeoutMs: 60_000, intervalMs: 250 });
    const pod = ds.spec?.template.spec;
    const hostPaths = (pod?.volumes ?? []).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));
    for (const path of ['/etc/containerd', '/etc/rancher', '/etc/containers', '/etc/docker', '/var/lib/berth/node-agent']) assert.ok(hostPaths.includes(path), `hostPath ${path}`);
    assert.ok(pod?.containers[0]?.volumeMounts?.some((m) => m.mountPath === '/host/etc/containerd' && !m.readOnly));
    assert.deepEqual(pod?.tolerations, [{ operator: 'Exists' }]);
    assert.deepEqual(pod?.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.deepEqual(pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'type', operator: 'In', values: ['kwok'] }] }]);
    assert.equal(pod?.serviceAccountName, 'berth-node-agent');

    // kwok runs a pod of it on every node.
    await waitFor(async () => {
      const pods = JSON.parse(await kubectl(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/name=berth-node-agent', '-o', 'json'])) as { items: { spec: { nodeName?: string }; status: { phase: string } }[] };
      const running = pods.items.filter((p) => p.status.phase === 'Running').map((p) => p.spec.nodeName).sort();
      return JSON.stringify(running) === JSON.stringify(nodes);
    }, { what: `a Running agent pod on each of ${nodes.join(', ')}`, timeoutMs: 90_000, intervalMs: 250 });

  });

  it('gives the agent only what it needs: its Node and its report ConfigMap', async () => {
    assert.equal(await canI('berth-node-agent', ['get', 'nodes']), true);
    assert.equal(await canI('berth-node-agent', ['create', 'configmaps', '-n', NS]), true);
    assert.equal(await canI('berth-node-agent', ['patch', 'configmaps', '-n', NS]), true);
    assert.equal(await canI('berth-node-agent', ['list', 'nodes']), false);
    assert.equal(await canI('berth-node-agent', ['get', 'configmaps', '-n', NS]), false);
    assert.equal(await canI('berth-node-agent', ['delete', 'configmaps', '-n', NS]), false);
    assert.equal(await canI('berth-node-agent', ['get', 'secrets', '-n', NS]), false);
    assert.equal(await canI('berth-node-agent', ['create', 'configmaps', '-n', 'default']), false);
  });

  it('sums the agents\' reports: a node without config_path is named with what to do, then counts once fixed', async () => {
    const [first, second] = nodes as [string, string, ...string[]];
    for (const node of nodes) await put(node, '/etc/containerd/config.toml', node === second ? WITHOUT_CONFIG_PATH : WITH_CONFIG_PATH);
    // What the site had before Berth: backed up once, restored when the registry is no longer mirrored.
    await put(first, HOSTS_TOML, SITE_HOSTS_TOML);
    const text = await agentConfig((cfg) => cfg.registries.length === 1, 'the agent config');
    for (const node of nodes) {
      const report = await runAgent(node, text);
      assert.deepEqual(report.errors, []);
      assert.equal(report.node, node);
    }
    const written = await readFile(onNode(first, HOSTS_TOML), 'utf8');
    assert.match(written, new RegExp(`^server = "${upstream.url.replaceAll('.', '\\.')}"$`, 'm'), 'the upstream stays as the fallback');
    assert.match(written, /\[host\."http:\/\/\d+\.\d+\.\d+\.\d+:5000\/v2\/docker\.io"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}override_path = true/);

    const reports = await kubectl(['get', 'configmaps', '-n', NS, '-l', 'berth.dev/node-report=true', '-o', 'name']);
    assert.deepEqual(reports.split('\n').filter(Boolean).sort(), nodes.map((n) => `configmap/berth-node-report-${n}`));

    const unset = await waitFor(async () => {
      const p = await getProject('hub');
      return condition(p, 'NodeMirrorReady')?.reason === 'ConfigPathUnset' ? p : undefined;
    }, { what: 'NodeMirrorReady reason ConfigPathUnset', timeoutMs: 90_000, intervalMs: 250 });
    assert.deepEqual(unset?.status?.nodes, { configured: nodes.length - 1, total: nodes.length, summary: `${nodes.length - 1}/${nodes.length}` });
    const advice = condition(unset, 'NodeMirrorReady');
    assert.equal(advice?.status, 'False');
    assert.match(advice?.message ?? '', new RegExp(`containerd on node ${second} has no registry config_path: set config_path = "/etc/containerd/certs.d" and restart containerd`));

    await put(second, '/etc/containerd/config.toml', WITH_CONFIG_PATH);
    await runAgent(second, text);
    const ready = await waitForCondition(cluster, ['-n', NS, 'pcp', 'hub'], 'NodeMirrorReady', 'True', 90_000) as Project;
    assert.deepEqual(ready.status?.nodes, { configured: nodes.length, total: nodes.length, summary: `${nodes.length}/${nodes.length}` });
    assert.match((await kubectl(['get', 'pcp', 'hub', '-n', NS])).split('\n')[1] ?? '', new RegExp(`\\s${nodes.length}/${nodes.length}\\s`), 'kubectl get pcp shows NODES');
  });

  it('tells a second project that mirrors the same registry that it conflicts', async () => {
    await apply(projectYaml('hub2'));
    const p = await waitForCondition(cluster, ['-n', NS, 'pcp', 'hub2'], 'NodeMirrorReady', 'False', 90_000);
    const c = condition(p, 'NodeMirrorReady');
    assert.equal(c?.reason, 'Conflict');
    assert.match(c?.message ?? '', new RegExp(`ProxyCacheProject ${NS}/hub is older and already mirrors docker.io`));
    const cfg = parseYaml(await agentConfig(() => true, 'the agent config')) as AgentConfig;
    assert.deepEqual(cfg.registries.map((r) => r.project), [`${NS}/hub`], 'the older project keeps the registry');
    assert.equal(condition(await getProject('hub'), 'NodeMirrorReady')?.status, 'True');
  });

  it('on deletion, holds the finalizer until the agents have restored the runtimes\' files', async () => {
    // The conflicting project was never on the nodes: nothing to wait for.
    await kubectl(['delete', 'pcp', 'hub2', '-n', NS, '--wait=true', '--timeout=60s']);

    await kubectl(['delete', 'pcp', 'hub', '-n', NS, '--wait=false']);
    const text = await agentConfig((cfg) => cfg.registries.length === 0, 'the agent config without hub');
    const waiting = await waitFor(async () => {
      const p = await getProject('hub');
      return condition(p, 'NodeMirrorReady')?.reason === 'CleaningUp' ? p : undefined;
    }, { what: 'hub to wait for the node agents', timeoutMs: 60_000, intervalMs: 250 });
    assert.ok(waiting?.metadata.deletionTimestamp);
    assert.deepEqual(waiting?.metadata.finalizers, ['berth.dev/cleanup']);
    assert.match(condition(waiting, 'NodeMirrorReady')?.message ?? '', new RegExp(`node agents on ${nodes.join(', ')} to restore`));

    const [first, second] = nodes as [string, string, ...string[]];
    const restored = await runAgent(first, text);
    assert.deepEqual(restored.restored, [HOSTS_TOML]);
    assert.equal(await readFile(onNode(first, HOSTS_TOML), 'utf8'), SITE_HOSTS_TOML);
    await runAgent(second, text);
    assert.equal(await exists(second, HOSTS_TOML), false, 'a file the agent created is removed');
    for (const node of nodes.slice(2)) await runAgent(node, text);

    await waitFor(async () => (await getProject('hub')) === undefined, { what: 'the finalizer to release hub', timeoutMs: 60_000, intervalMs: 250 });
  });
});
