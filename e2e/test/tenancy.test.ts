// Tenancy and privilege, on the local control plane with the chart's own RBAC: the chart is rendered with
// operator.watchNamespace set, its ServiceAccount and (Cluster)Roles applied, and the operator runs as a host
// process with that ServiceAccount's token (kwok nodes: no node agent runs, the agent's ConfigMap is the proof).
// - A project in a namespace no cluster admin allowed keeps its cache but is refused node mirroring
//   (NodeMirrorReady=False, NamespaceNotAllowed, the one-line fix in the message) and is absent from the node
//   agent's config; labelled berth.dev/node-mirror=allowed it is mirrored; unlabelled again it is dropped.
// - With watchNamespace the ServiceAccount reads Secrets in that namespace and in no other, and the operator
//   (whose informers must stay within it) still lists everything it watches (/readyz).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort, repoRoot, run, tempDir, useCluster, waitFor, type Cluster, type TempDir } from '../src/index.ts';
import { runKubectl } from '../src/cluster/kubectl.ts';
import { requireBinaries } from '../src/cluster/layout.ts';
import { operatorCommand } from '../src/chart/operator-process.ts';
import { parseManifests } from '../src/chart/prepare-schemas.ts';
import { offlineKubeVersion, toolPath } from '../src/chart/tools.ts';
import { logTail, startDaemon, type Daemon } from '../src/testbed/daemon.ts';

const id = process.pid;
const RELEASE_NS = `berth-tenancy-${id}`;
const TENANT = `berth-tenant-${id}`;
const OTHER = `berth-other-${id}`;
const FULLNAME = `berth-tenancy-${id}`;
const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

interface Condition { type: string; status: string; reason: string; message: string }
interface AgentConfig { registries: { registry: string; project: string }[] }

describe('tenancy and privilege with the chart\'s ServiceAccount @real', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  let work: TempDir;
  let saKubeconfig: string;
  let operator: Daemon | undefined;
  let metricsPort: number;
  let clusterScoped: string[] = [];
  const as = (args: string[]): Promise<string> => runKubectl(requireBinaries().kubectl, saKubeconfig, args);

  const nodeMirrorCondition = async (): Promise<Condition | undefined> => {
    const p = JSON.parse(await cluster.kubectl(['get', 'pcp', 'hub', '-n', TENANT, '-o', 'json'])) as { status?: { conditions?: Condition[] } };
    return p.status?.conditions?.find((c) => c.type === 'NodeMirrorReady');
  };
  const agentProjects = async (): Promise<string[]> => {
    const text = await cluster.kubectl(['get', 'configmap', 'berth-node-agent', '-n', RELEASE_NS, '-o', 'jsonpath={.data.agent\\.yaml}']).catch(() => '');
    return text ? ((parseYaml(text) as AgentConfig).registries ?? []).map((r) => `${r.registry} ${r.project}`) : [];
  };
  const withLog = async <T>(p: Promise<T>): Promise<T> =>
    p.catch(async (err: Error) => {
      throw new Error(`${err.message}\noperator log:\n${operator ? await logTail(operator) : ''}`);
    });

  before(async () => {
    cluster = await useCluster();
    work = await tempDir('berth-tenancy');
    await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=berth-e2e', '-f', join(repoRoot(), 'crds')]);
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd/registryendpoints.berth.dev', 'crd/proxycacheprojects.berth.dev', '--timeout=60s']);
    for (const ns of [RELEASE_NS, TENANT, OTHER]) await cluster.kubectl(['create', 'namespace', ns]);
    // The chart's RBAC, as `helm install --set operator.watchNamespace=<tenant>` creates it (fullnameOverride keeps
    // this run's cluster-scoped names apart from an installed release's).
    const stdout = await run(toolPath('helm'), ['template', 'tenancy', join(repoRoot(), 'charts', 'berth'), '-n', RELEASE_NS, '--set', `operator.watchNamespace=${TENANT}`, '--set', `fullnameOverride=${FULLNAME}`, ...offlineKubeVersion()]);
    const docs = parseManifests(stdout).filter((d) => RBAC_KINDS.has(String(d.kind)));
    clusterScoped = docs.filter((d) => String(d.kind).startsWith('Cluster')).map((d) => `${String(d.kind).toLowerCase()}/${(d.metadata as { name: string }).name}`);
    await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }) });
    saKubeconfig = await cluster.serviceAccountKubeconfig(RELEASE_NS, FULLNAME);
    for (const ns of [TENANT, OTHER]) await cluster.kubectl(['create', 'secret', 'generic', 'probe', '-n', ns, '--from-literal=k=v']);
  });

  after(async () => {
    // the project goes while the operator runs (it releases its finalizer)
    if (operator) await cluster?.kubectl(['delete', 'pcp,regep', '--all', '-n', TENANT, '--wait=true', '--timeout=60s']).catch(() => undefined);
    await operator?.stop();
    for (const ns of [TENANT, OTHER, RELEASE_NS]) await cluster?.kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']).catch(() => undefined);
    for (const obj of clusterScoped) await cluster?.kubectl(['delete', obj, '--ignore-not-found']).catch(() => undefined);
    await work?.remove();
  });

  it('with watchNamespace, the ServiceAccount reads Secrets in that namespace and in no other', async () => {
    assert.match(await as(['get', 'secret', 'probe', '-n', TENANT, '-o', 'name']), /secret\/probe/);
    await assert.rejects(as(['get', 'secret', 'probe', '-n', OTHER]), /forbidden/i);
    await assert.rejects(as(['get', 'secrets', '--all-namespaces']), /forbidden/i);
  });

  it('refuses node mirroring to a project in an unmarked namespace, keeps its cache, and mirrors once a cluster admin marks it', async () => {
    metricsPort = await freePort();
    operator = startDaemon({
      name: 'berth-operator (tenancy)',
      logFile: join(work.path, 'operator.log'),
      ...operatorCommand({ kubeconfig: saKubeconfig, namespace: RELEASE_NS, metricsPort, extraArgs: ['--namespace', TENANT, '--leader-elect=false', '--resync-seconds=5'] }),
    });
    // every informer listed with the chart's RBAC: none reaches outside what it grants
    await withLog(waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.ok === true, { what: 'the operator ready (every watch listed)', timeoutMs: 60_000, intervalMs: 250 }));

    const endpoint = { apiVersion: 'berth.dev/v1alpha1', kind: 'RegistryEndpoint', metadata: { name: 'hub', namespace: TENANT }, spec: { provider: 'oci', url: `http://${cluster.hostAddress}:1` } };
    const project = {
      apiVersion: 'berth.dev/v1alpha1',
      kind: 'ProxyCacheProject',
      metadata: { name: 'hub', namespace: TENANT },
      spec: { endpointRef: { name: 'hub' }, registry: 'docker.io', storage: { size: '1Gi' }, nodeMirror: { enabled: true, runtimes: ['containerd'], nodeSelector: { type: 'kwok' } } },
    };
    await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [endpoint, project] }) });

    const refused = await withLog(waitFor(async () => {
      const c = await nodeMirrorCondition();
      return c?.reason === 'NamespaceNotAllowed' ? c : undefined;
    }, { what: 'NodeMirrorReady=False NamespaceNotAllowed', timeoutMs: 90_000, intervalMs: 250 }));
    assert.equal(refused.status, 'False');
    assert.ok(refused.message.includes(`kubectl label namespace ${TENANT} berth.dev/node-mirror=allowed`), refused.message);
    // the cache itself is made as for any project
    assert.match(await cluster.kubectl(['get', 'deployment', 'berth-hub', '-n', TENANT, '-o', 'name']), /deployment.apps\/berth-hub/);
    assert.deepEqual(await agentProjects(), [], 'the node agent config names a refused project');
    assert.equal(await cluster.kubectl(['get', 'daemonset', 'berth-node-agent', '-n', RELEASE_NS, '--ignore-not-found', '-o', 'name']), '', 'the agent runs for a refused project alone');

    // A cluster admin marks the namespace: the project is mirrored (kwok runs no agent, so it then waits for reports).
    await cluster.kubectl(['label', 'namespace', TENANT, 'berth.dev/node-mirror=allowed']);
    await withLog(waitFor(async () => ((await agentProjects()).includes(`docker.io ${TENANT}/hub`) ? true : undefined), { what: 'the project in the node agent config', timeoutMs: 90_000, intervalMs: 250 }));
    await withLog(waitFor(async () => ((await nodeMirrorCondition())?.reason === 'Pending' ? true : undefined), { what: 'NodeMirrorReady Pending (waiting for the agents)', timeoutMs: 90_000, intervalMs: 250 }));
    assert.match(await cluster.kubectl(['get', 'daemonset', 'berth-node-agent', '-n', RELEASE_NS, '-o', 'name']), /berth-node-agent/);

    // The label removed: the project leaves the agent's config again (the agents restore what they replaced).
    await cluster.kubectl(['label', 'namespace', TENANT, 'berth.dev/node-mirror-']);
    await withLog(waitFor(async () => ((await agentProjects()).length === 0 ? true : undefined), { what: 'the project out of the node agent config', timeoutMs: 90_000, intervalMs: 250 }));
    await withLog(waitFor(async () => ((await nodeMirrorCondition())?.reason === 'NamespaceNotAllowed' ? true : undefined), { what: 'NamespaceNotAllowed again', timeoutMs: 90_000, intervalMs: 250 }));
  });
});
