// berth-operator on the local control plane (RBAC on, kwok nodes): run as a child process with its own
// least-privilege ServiceAccount token, driven only through kubectl, as a user would. The suite's operators watch
// only its own namespace and hold their Lease there (test-namespace.ts).
import assert from 'node:assert/strict';
import { startRegistry, tempDir, useCluster, waitFor, type Cluster, type Registry, type TempDir } from '@berth/e2e';
import { applyRefused, condition, getJson, waitForCondition } from './cluster-fixture.ts';
import { startOperator, type OperatorProcess } from './operator-process.ts';
import { createTestNamespace, deleteTestNamespace, type TestNamespace } from './test-namespace.ts';

const NS = `berth-op-${process.pid}`;
const HASH = 'berth.dev/config-hash';

interface Deployment { metadata: { generation: number }; spec: { template: { metadata: { annotations?: Record<string, string> } } } }
interface Lease { spec: { holderIdentity?: string } }

describe('operator on the local control plane @real', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  let upstream: Registry;
  let logs: TempDir;
  let kubeconfig: string;
  let testNamespace: TestNamespace | undefined;
  const operators: OperatorProcess[] = [];
  let pvCount = 0;
  const operator = (identity: string) => startOperator({ kubeconfig, identity, logDir: logs.path, operatorNamespace: NS, args: ['--namespace', NS] });

  const kubectl = (args: string[], input?: string) => cluster.kubectl(args, input === undefined ? {} : { input });
  const apply = (yaml: string) => kubectl(['apply', '-n', NS, '-f', '-'], yaml);

  /** A static PersistentVolume for the next claim: kwok clusters have no provisioner. Its storage class is the
   *  suite's own, so no other run's claim binds it. */
  async function addVolume(size = '20Gi'): Promise<void> {
    pvCount++;
    testNamespace?.clusterScoped.push(`pv/${NS}-pv-${pvCount}`);
    await apply(`apiVersion: v1
kind: PersistentVolume
metadata: { name: ${NS}-pv-${pvCount} }
spec:
  capacity: { storage: ${size} }
  accessModes: [ReadWriteOnce]
  storageClassName: ${NS}
  persistentVolumeReclaimPolicy: Delete
  hostPath: { path: /tmp/${NS}-pv-${pvCount} }
`);
  }

  const endpointYaml = (name: string, extra = '') => `apiVersion: berth.dev/v1alpha1
kind: RegistryEndpoint
metadata: { name: ${name} }
spec:
  provider: oci
  url: ${upstream.url}
${extra}`;

  const projectYaml = (name: string, endpoint: string, extra = '') => `apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: ${name} }
spec:
  endpointRef: { name: ${endpoint} }
  storage: { size: 1Gi, storageClassName: ${NS} }
${extra}`;

  const s3ProjectYaml = (name: string, s3: string, extra = '') => `apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: ${name} }
spec:
  endpointRef: { name: upstream }
  storage: { s3: ${s3} }
${extra}`;

  async function deploymentHash(name: string): Promise<string | undefined> {
    return (await getJson<Deployment>(cluster, ['-n', NS, 'deployment', `berth-${name}`]))?.spec.template.metadata.annotations?.[HASH];
  }

  async function leader(): Promise<string | undefined> {
    return (await getJson<Lease>(cluster, ['-n', NS, 'lease', 'berth-operator']))?.spec.holderIdentity;
  }

  before(async () => {
    cluster = await useCluster();
    testNamespace = await createTestNamespace(cluster, NS);
    upstream = await startRegistry();
    logs = await tempDir('berth-operator-logs');
    kubeconfig = await cluster.serviceAccountKubeconfig(NS, 'berth-operator');
    operators.push(await operator('a'));
    await waitFor(async () => (await leader()) === 'a', { what: 'operator a to lead', timeoutMs: 30_000, intervalMs: 200 });
  });

  after(async () => {
    const stopOperators = async () => void (await Promise.all(operators.map((o) => o.stop())));
    if (cluster && testNamespace) {
      // While an operator still runs: it deletes the projects' children and releases their finalizers.
      await deleteTestNamespace(cluster, testNamespace, { operatorRunning: () => operators.some((o) => o.isRunning()), stopOperators });
    } else {
      await stopOperators();
    }
    await upstream?.stop();
    await logs?.remove();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const o of operators) process.stderr.write(`--- operator ${o.identity} log ---\n${(await o.log()).slice(-4000)}\n`);
    }
  });

  it('makes a project Ready (kwok pods Running) and shows its columns in kubectl get pcp', async () => {
    await addVolume();
    const started = Date.now();
    await apply(endpointYaml('upstream'));
    await apply(projectYaml('web', 'upstream'));
    const ready = await waitForCondition(cluster, ['-n', NS, 'pcp', 'web'], 'Ready', 'True');
    process.stdout.write(`      apply → Ready: ${Date.now() - started} ms\n`);
    assert.deepEqual(ready.metadata.finalizers, ['berth.dev/cleanup']);
    assert.equal(condition(ready, 'EndpointReady')?.status, 'True');
    assert.equal(condition(ready, 'StorageBound')?.status, 'True');
    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=berth-web', '-o', 'json'])) as { items: { status: { phase: string } }[] };
    assert.deepEqual(pods.items.map((p) => p.status.phase), ['Running']);
    const table = await kubectl(['get', 'pcp', '-n', NS]);
    assert.match(table.split('\n')[0] ?? '', /^NAME\s+REGISTRY\s+ENDPOINT\s+READY\s+URL\s+CACHED\s+HIT%\s+NODES\s+AGE/);
    // the URL column: where clients in the cluster pull from (the Ingress column is -o wide only)
    assert.match(table, new RegExp(`web\\s+${upstream.host.replaceAll('.', '\\.')}\\s+upstream\\s+True\\s+http://berth-web\\.${NS}\\.svc:5000\\s`));
    assert.match((await kubectl(['get', 'pcp', '-n', NS, '-o', 'wide'])).split('\n')[0] ?? '', /\sURL\s+INGRESS\s/);
    assert.match((await kubectl(['get', 'regep', '-n', NS])).split('\n')[0] ?? '', /^NAME\s+PROVIDER\s+URL\s+READY\s+AGE/);
    assert.match(await kubectl(['get', 'berth', '-n', NS]), /proxycacheproject.berth.dev\/web/);
  });

  it('refuses invalid resources with messages that name the field and what to write', async () => {
    const cases: [string, RegExp][] = [
      [projectYaml('bad-tls', 'upstream', '  ingress: { tls: { secretName: x } }'), /ingress\.tls needs ingress\.host/],
      [projectYaml('bad-size', 'upstream', '  cache: { retention: { maxSize: 5Gi } }'), /cache\.retention\.maxSize must not exceed storage\.size/],
      [projectYaml('bad-ttl', 'upstream', '  cache: { tagTTL: 5x }'), /cache\.tagTTL must be a duration such as 30s/],
      [projectYaml('bad-replicas', 'upstream', '  replicas: 2'), /set storage\.accessMode to ReadWriteMany/],
      [projectYaml('no-index', 'upstream', '  replicas: 2').replace('storage: {', 'storage: { accessMode: ReadWriteMany,'),
        /spec\.replicas > 1 needs spec\.index\.redis\.url: replicas share one store and must share its index/],
      [projectYaml('redis-creds', 'upstream', '  index: { redis: { url: "redis://:hunter2@redis:6379" } }'),
        /index\.redis\.url must not carry a user or password/],
      [projectYaml('redis-scheme', 'upstream', '  index: { redis: { url: "http://redis:6379" } }'), /index\.redis\.url must be redis:\/\/host\[:port\]\[\/db\]/],
      [projectYaml('s3-and-volume', 'upstream', '  storage: { size: 1Gi, s3: { bucket: berth-cache } }').replace(/ {2}storage: \{ size: 1Gi, storageClassName: [^}]*\}\n/, ''),
        /storage\.s3 keeps the cache in a bucket, without a volume: remove storage\.size/],
      [s3ProjectYaml('s3-bucket', '{ bucket: Berth_Cache }'), /storage\.s3\.bucket must be a bucket name/],
      [s3ProjectYaml('s3-creds', '{ bucket: berth-cache, endpoint: "https://key:hunter2@minio:9000" }'), /storage\.s3\.endpoint must not carry a user or password/],
      [s3ProjectYaml('s3-ca-http', '{ bucket: berth-cache, endpoint: "http://minio:9000", ca: { secretKeyRef: { name: ca } } }'), /storage\.s3\.ca checks a TLS certificate: set storage\.s3\.endpoint to an https:\/\/ URL/],
      [s3ProjectYaml('s3-ca-both', '{ bucket: berth-cache, endpoint: "https://minio:9000", ca: { secretKeyRef: { name: ca }, configMapKeyRef: { name: ca } } }'), /storage\.s3\.ca takes one of secretKeyRef and configMapKeyRef/],
      [s3ProjectYaml('s3-prefix', '{ bucket: berth-cache, prefix: "a/../b" }'), /storage\.s3\.prefix must be segments/],
      [endpointYaml('bad-harbor').replace('provider: oci', 'provider: harbor').replace(/ {2}url: .*\n/, ''), /spec\.url is required for provider harbor/],
      [endpointYaml('bad-secret', '  credentialsSecretRef: { name: Not_A_Name }'), /credentialsSecretRef\.name must be a Secret name/],
    ];
    for (const [yaml, message] of cases) {
      const refusal = await applyRefused(cluster, yaml.replace('metadata: {', `metadata: { namespace: ${NS},`));
      assert.match(refusal, message);
      assert.ok(!refusal.includes('hunter2'), 'the refusal repeats a password from the Redis URL');
    }
  });

  it('accepts two replicas on a bucket, and refuses moving an existing project between a volume and a bucket', async () => {
    const yaml = s3ProjectYaml('on-s3', '{ bucket: berth-cache, endpoint: "https://minio:9000", credentialsSecretRef: { name: berth-s3 } }', '  replicas: 2\n  index: { redis: { url: redis://berth-redis:6379/0 } }');
    const out = await kubectl(['apply', '--dry-run=server', '-o', 'json', '-n', NS, '-f', '-'], yaml);
    // the Secret's keys are defaulted, and no volume field is
    const storage = (JSON.parse(out) as { spec: { storage: Record<string, unknown> } }).spec.storage;
    assert.deepEqual(storage, { s3: { bucket: 'berth-cache', endpoint: 'https://minio:9000', forcePathStyle: false, redirect: false, credentialsSecretRef: { name: 'berth-s3', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey' } } });
    const moved = await kubectl(['patch', 'pcp', 'web', '-n', NS, '--type=json', '--dry-run=server', '-p', '[{"op":"replace","path":"/spec/storage","value":{"s3":{"bucket":"berth-cache"}}}]']).then(() => '', (err: Error) => err.message);
    assert.match(moved, /storage\.s3 cannot be added to or removed from an existing project/);
  });

  it('accepts several replicas that share a Redis index', async () => {
    const yaml = projectYaml('shared-index', 'upstream', '  replicas: 2\n  index: { redis: { url: redis://berth-redis:6379/0 } }')
      .replace('storage: {', 'storage: { accessMode: ReadWriteMany,');
    const out = await kubectl(['apply', '--dry-run=server', '-n', NS, '-f', '-'], yaml);
    assert.match(out, /proxycacheproject\.berth\.dev\/shared-index created \(server dry run\)/);
  });

  it('updates the children when the spec changes', async () => {
    const before = await deploymentHash('web');
    await kubectl(['patch', 'pcp', 'web', '-n', NS, '--type=merge', '-p', '{"spec":{"cache":{"tagTTL":"17m"}}}']);
    await waitFor(async () => {
      const cm = await getJson<{ data: Record<string, string> }>(cluster, ['-n', NS, 'configmap', 'berth-web']);
      return cm?.data['config.yaml']?.includes('tagTTL: 17m');
    }, { what: 'the ConfigMap to carry tagTTL 17m', timeoutMs: 60_000, intervalMs: 250 });
    await waitFor(async () => (await deploymentHash('web')) !== before, { what: 'the Deployment to roll', timeoutMs: 60_000, intervalMs: 250 });
    await waitForCondition(cluster, ['-n', NS, 'pcp', 'web'], 'Ready', 'True');
  });

  it('rolls the Deployment when a referenced Secret is rotated', async () => {
    await addVolume();
    const secret = (password: string) => `apiVersion: v1
kind: Secret
metadata: { name: upstream-creds }
type: kubernetes.io/basic-auth
stringData: { username: puller, password: ${password} }
`;
    await apply(secret('first-password'));
    await apply(endpointYaml('with-creds', '  credentialsSecretRef: { name: upstream-creds }'));
    await apply(projectYaml('creds', 'with-creds'));
    await waitForCondition(cluster, ['-n', NS, 'pcp', 'creds'], 'Ready', 'True');
    const before = await deploymentHash('creds');
    await apply(secret('second-password'));
    await waitFor(async () => (await deploymentHash('creds')) !== before, { what: 'the Deployment to roll after the rotation', timeoutMs: 60_000, intervalMs: 250 });
    const events = await kubectl(['get', 'events', '-n', NS, '-o', 'json']);
    const status = await kubectl(['get', 'pcp,regep', '-n', NS, '-o', 'json']);
    const cm = await kubectl(['get', 'configmap', 'berth-creds', '-n', NS, '-o', 'json']);
    for (const text of [events, status, cm, ...(await Promise.all(operators.map((o) => o.log())))]) {
      assert.ok(!text.includes('first-password') && !text.includes('second-password'), 'a password leaked');
    }
  });

  it('takes a bucket\'s CA ConfigMap as soon as it is created, and rolls the Deployment when it changes', async () => {
    // The operator resyncs every 30 s here: waiting less than that shows the ConfigMap's own events did it.
    const soon = { timeoutMs: 20_000, intervalMs: 250 };
    const caMap = (bundle: string) => `apiVersion: v1
kind: ConfigMap
metadata: { name: bucket-ca }
data: { ca.crt: ${bundle} }
`;
    await apply(s3ProjectYaml('s3-ca-map', '{ bucket: berth-cache, endpoint: "https://minio:9000", ca: { configMapKeyRef: { name: bucket-ca } } }'));
    const blocked = await waitForCondition(cluster, ['-n', NS, 'pcp', 's3-ca-map'], 'Ready', 'False');
    assert.equal(condition(blocked, 'Ready')?.reason, 'ConfigMapNotFound');
    await apply(caMap('first-bundle'));
    const first = await waitFor(() => deploymentHash('s3-ca-map'), { what: 'the Deployment, once the CA ConfigMap exists', ...soon });
    await apply(caMap('second-bundle'));
    await waitFor(async () => (await deploymentHash('s3-ca-map')) !== first, { what: 'the Deployment to roll for the new CA bundle', ...soon });
    await kubectl(['delete', 'pcp', 's3-ca-map', '-n', NS, '--wait=true', '--timeout=60s']);
  });

  it('says why a project is not Ready when its endpoint is missing', async () => {
    await apply(projectYaml('orphan', 'no-such-endpoint'));
    const obj = await waitForCondition(cluster, ['-n', NS, 'pcp', 'orphan'], 'Ready', 'False');
    assert.equal(condition(obj, 'Ready')?.reason, 'EndpointNotFound');
    assert.match(condition(obj, 'Ready')?.message ?? '', /RegistryEndpoint no-such-endpoint not found/);
  });

  it('deletes the children and releases the finalizer when a project is deleted', async () => {
    await kubectl(['delete', 'pcp', 'orphan', '-n', NS, '--wait=true', '--timeout=60s']);
    await kubectl(['delete', 'pcp', 'creds', '-n', NS, '--wait=true', '--timeout=60s']);
    await waitFor(async () => {
      const left = await kubectl(['get', 'deployment,service,configmap,pvc', '-n', NS, '-l', 'app.kubernetes.io/instance=berth-creds', '-o', 'name']);
      return left.trim() === '';
    }, { what: 'the children of creds to go', timeoutMs: 60_000, intervalMs: 250 });
  });

  it('converges after being killed in the middle of a reconcile', async () => {
    await addVolume();
    const [a] = operators;
    await apply(projectYaml('crash', 'upstream'));
    await a?.stop('SIGKILL');
    operators.splice(0, 1);
    operators.push(await operator('a2'));
    await waitForCondition(cluster, ['-n', NS, 'pcp', 'crash'], 'Ready', 'True', 120_000);
  });

  it('recovers when the apiserver stops and starts again, without exiting', async () => {
    await cluster.restartApiserver();
    await kubectl(['patch', 'pcp', 'crash', '-n', NS, '--type=merge', '-p', '{"spec":{"cache":{"tagTTL":"9m"}}}']);
    await waitFor(async () => {
      const cm = await getJson<{ data: Record<string, string> }>(cluster, ['-n', NS, 'configmap', 'berth-crash']);
      return cm?.data['config.yaml']?.includes('tagTTL: 9m');
    }, { what: 'the change after the apiserver restart', timeoutMs: 120_000, intervalMs: 500 });
    assert.ok(operators.every((o) => o.isRunning()), 'an operator exited');
  });

  it('hands over to the second replica when the leader is killed', async () => {
    operators.push(await operator('b'));
    const holder = await waitFor(async () => (await leader()) || undefined, { what: 'a leader', timeoutMs: 30_000 });
    const current = operators.find((o) => o.identity === holder);
    const other = operators.find((o) => o.identity !== holder);
    assert.ok(current && other);
    const killed = Date.now();
    await current.stop('SIGKILL');
    await waitFor(async () => (await leader()) === other.identity, { what: `${other.identity} to take the Lease`, timeoutMs: 60_000, intervalMs: 200 });
    process.stdout.write(`      leader killed → handover: ${Date.now() - killed} ms\n`);
    await kubectl(['patch', 'pcp', 'crash', '-n', NS, '--type=merge', '-p', '{"spec":{"cache":{"tagTTL":"11m"}}}']);
    await waitForCondition(cluster, ['-n', NS, 'pcp', 'crash'], 'Ready', 'True', 120_000);
    const cm = await getJson<{ data: Record<string, string> }>(cluster, ['-n', NS, 'configmap', 'berth-crash']);
    assert.match(cm?.data['config.yaml'] ?? '', /tagTTL: 11m/);
  });
});
