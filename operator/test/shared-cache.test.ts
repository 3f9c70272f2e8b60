// Many projects, one cache, on the local control plane: three ProxyCacheProjects naming one spec.sharedCache
// become one Deployment, Service, PVC and ConfigMap, owned by all three; a member whose instance settings differ
// is told so; deleting a member keeps the others served; deleting the last removes the children. Driven only
// through kubectl, with the operator as a child process on its own ServiceAccount (operator.test.ts).
import assert from 'node:assert/strict';
import { parseProxyConfig } from '@berth/contracts/proxy-config';
import { startRegistry, tempDir, useCluster, waitFor, type Cluster, type Registry, type TempDir } from '@berth/e2e';
import { condition, getJson, waitForCondition } from './cluster-fixture.ts';
import { startOperator, type OperatorProcess } from './operator-process.ts';
import { createTestNamespace, deleteTestNamespace, type TestNamespace } from './test-namespace.ts';

const NS = `berth-shared-${process.pid}`;
const CHILD = 'berth-cache-trio';

interface Owned { metadata: { ownerReferences?: { name: string }[]; labels?: Record<string, string> } }
interface ConfigMap extends Owned { data?: Record<string, string> }

describe('shared cache on the local control plane @real', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  let upstream: Registry;
  let logs: TempDir;
  let testNamespace: TestNamespace | undefined;
  let operator: OperatorProcess | undefined;

  const kubectl = (args: string[], input?: string) => cluster.kubectl(args, input === undefined ? {} : { input });
  const apply = (yaml: string) => kubectl(['apply', '-n', NS, '-f', '-'], yaml);
  const project = (name: string, registry: string, extra = '') => `apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: ${name} }
spec:
  endpointRef: { name: upstream }
  registry: ${registry}
  sharedCache: trio
  storage: { size: 1Gi, storageClassName: ${NS} }
${extra}`;
  const configured = async () => {
    const cm = await getJson<ConfigMap>(cluster, ['-n', NS, 'configmap', CHILD]);
    return cm?.data?.['config.yaml'] ? parseProxyConfig(cm.data['config.yaml']).projects.map((p) => p.name).sort() : undefined;
  };
  const owners = async (kind: string) => (await getJson<Owned>(cluster, ['-n', NS, kind, CHILD]))?.metadata.ownerReferences?.map((o) => o.name).sort();
  const proxies = async () => (await kubectl(['get', 'deployments', '-n', NS, '-o', 'name'])).split('\n').filter(Boolean);

  before(async () => {
    cluster = await useCluster();
    testNamespace = await createTestNamespace(cluster, NS);
    upstream = await startRegistry();
    logs = await tempDir('berth-shared-logs');
    const kubeconfig = await cluster.serviceAccountKubeconfig(NS, 'berth-operator');
    operator = await startOperator({ kubeconfig, identity: 'a', logDir: logs.path, operatorNamespace: NS, args: ['--namespace', NS] });
    // kwok clusters have no provisioner: one static volume, for the one claim the three projects share.
    testNamespace.clusterScoped.push(`pv/${NS}-pv`);
    await apply(`apiVersion: v1
kind: PersistentVolume
metadata: { name: ${NS}-pv }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: ${NS}
  persistentVolumeReclaimPolicy: Delete
  hostPath: { path: /tmp/${NS}-pv }
`);
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
    if (cluster && testNamespace) await deleteTestNamespace(cluster, testNamespace, { operatorRunning: () => operator?.isRunning() ?? false, stopOperators });
    else await stopOperators();
    await upstream?.stop();
    await logs?.remove();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && operator) process.stderr.write(`--- operator log ---\n${(await operator.log()).slice(-4000)}\n`);
  });

  it('three projects naming one cache: one Deployment whose config lists all three, owned by each', async () => {
    await apply(project('one', 'one.example'));
    await apply(project('two', 'two.example'));
    await apply(project('three', 'three.example').replace('size: 1Gi', 'size: 2Gi'));
    for (const name of ['one', 'two']) {
      const ready = await waitForCondition(cluster, ['-n', NS, 'pcp', name], 'Ready', 'True');
      assert.equal((ready as { status?: { urls?: { inCluster?: string } } }).status?.urls?.inCluster, `http://${CHILD}.${NS}.svc:5000`);
    }
    assert.deepEqual(await proxies(), [`deployment.apps/${CHILD}`]);
    assert.deepEqual(await configured(), ['one', 'three', 'two']);
    for (const kind of ['deployment', 'service', 'configmap', 'pvc']) assert.deepEqual(await owners(kind), ['one', 'three', 'two'], kind);
    process.stdout.write(`${await kubectl(['get', 'pcp', '-n', NS, '-o', 'wide'])}\n`);
  });

  it('a member whose instance settings differ: Ready=False CacheSettingsConflict naming the field; aligned, it is Ready', async () => {
    const conflicted = await waitForCondition(cluster, ['-n', NS, 'pcp', 'three'], 'Ready', 'False');
    assert.equal(condition(conflicted, 'Ready')?.reason, 'CacheSettingsConflict');
    assert.match(condition(conflicted, 'Ready')?.message ?? '', /spec\.storage\.size differs from ProxyCacheProject one's, which shared cache trio runs with/);
    await kubectl(['patch', 'pcp', 'three', '-n', NS, '--type=merge', '-p', '{"spec":{"storage":{"size":"1Gi"}}}']);
    await waitForCondition(cluster, ['-n', NS, 'pcp', 'three'], 'Ready', 'True');
  });

  it('deleting one member removes it from the config; the children stay and the others stay Ready', async () => {
    await kubectl(['delete', 'pcp', 'one', '-n', NS, '--wait=true', '--timeout=60s']);
    await waitFor(async () => ((await configured())?.join() === 'three,two' ? true : undefined), { what: 'the config without one', timeoutMs: 60_000, intervalMs: 250 });
    assert.deepEqual(await owners('deployment'), ['three', 'two']);
    assert.deepEqual(await proxies(), [`deployment.apps/${CHILD}`]);
    for (const name of ['two', 'three']) await waitForCondition(cluster, ['-n', NS, 'pcp', name], 'Ready', 'True');
  });

  it('deleting the last members removes every child', async () => {
    await kubectl(['delete', 'pcp', 'two', 'three', '-n', NS, '--wait=true', '--timeout=60s']);
    await waitFor(async () => {
      const left = await kubectl(['get', 'deployment,service,configmap,pvc', '-n', NS, '-o', 'name', '-l', 'berth.dev/cache=trio']);
      return left.trim() === '' ? true : undefined;
    }, { what: 'the shared children to go', timeoutMs: 60_000, intervalMs: 250 });
  });
});
