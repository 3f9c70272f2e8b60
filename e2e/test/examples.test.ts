// Every example under examples/ on the local control plane: the Berth ones are applied server-side with the CRDs
// installed (so their schemas and CEL rules accept them); the private-upstream example, pointed at a local
// docker-registry with basic auth instead of registry.example.com, runs fully and becomes Ready with the operator
// running (its URL, credentials and storage class replaced: the control plane has no volume provisioner); the Argo CD and Flux objects, whose CRDs are not installed here, are checked by kubeconform -strict
// against hand-written schemas of the fields they use (e2e/src/chart/third-party-schemas.ts), as are the
// cert-manager objects of examples/https (cert-manager is not installed here either).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, startRegistry, tempDir, useCluster, type Cluster, type Registry, type TempDir } from '../src/index.ts';
import { exampleFiles, isKustomization, isThirdParty, type ExampleFile } from '../src/chart/examples.ts';
import { kubeconform } from '../src/chart/kubeconform.ts';
import { operatorCommand } from '../src/chart/operator-process.ts';
import { parseManifests, prepareSchemas } from '../src/chart/prepare-schemas.ts';
import { toolPath } from '../src/chart/tools.ts';
import { staticVolume, TEST_STORAGE_CLASS } from '../src/chart/volumes.ts';
import { logTail, startDaemon, type Daemon } from '../src/testbed/daemon.ts';
import { shellBlocks } from '../src/docs/commands.ts';
import { readerShell } from '../src/docs/reader-shell.ts';

const root = repoRoot();
const namespace = 'berth-caches';

describe('examples/ @real', function () {
  this.timeout(600_000);
  const files = exampleFiles();
  const berthFiles = files.filter((f) => !isKustomization(f) && !isThirdParty(f));
  let cluster: Cluster;
  let work: TempDir;

  before(async () => {
    cluster = await useCluster();
    work = await tempDir('berth-examples');
    await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=berth-e2e', '-f', join(root, 'crds')]);
    await cluster.kubectl(['wait', '--for=condition=Established', 'crd/registryendpoints.berth.dev', 'crd/proxycacheprojects.berth.dev', '--timeout=60s']);
    await cluster.kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
  });
  after(async () => {
    await cluster?.kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    await cluster?.kubectl(['delete', 'pv', 'berth-examples-private', '--ignore-not-found']).catch(() => undefined);
    await cluster?.kubectl(['delete', 'namespace', 'berth-shared', '--ignore-not-found', '--wait=false']).catch(() => undefined);
    // the opted-in namespace of examples/pod-image-rewrite
    await cluster?.kubectl(['delete', 'namespace', 'team-apps', '--ignore-not-found', '--wait=false']).catch(() => undefined);
    await work?.remove();
  });

  it('has the five public caches, a private upstream, k3s node mirroring, HTTPS with cert-manager, Argo CD and Flux', () => {
    const kinds = (f: ExampleFile) => parseManifests(f.text).map((d) => d.kind);
    for (const name of ['docker-hub', 'quay', 'ghcr', 'registry-k8s-io', 'gcr']) {
      const file = files.find((f) => f.path === `examples/caches/${name}.yaml`);
      assert.ok(file, `examples/caches/${name}.yaml`);
      assert.deepEqual(kinds(file), ['RegistryEndpoint', 'ProxyCacheProject']);
    }
    const all = files.flatMap(kinds);
    for (const kind of ['Application', 'GitRepository', 'Kustomization', 'Secret', 'Certificate', 'Issuer']) assert.ok(all.includes(kind), kind);
  });

  it('kustomize builds examples/caches from exactly the files in it', async () => {
    const built = parseManifests(await cluster.kubectl(['kustomize', join(root, 'examples', 'caches')]));
    const direct = files.filter((f) => f.path.startsWith('examples/caches/') && !isKustomization(f)).flatMap((f) => parseManifests(f.text));
    assert.equal(built.length, direct.length);
  });

  it('every Berth example is accepted by server-side apply, folder by folder as a person applies them', async () => {
    const ssa = ['apply', '--server-side', '--field-manager=berth-examples'];
    await cluster.kubectl([...ssa, '-k', join(root, 'examples', 'caches')]);
    // Each folder's Berth files together (the cert-manager ones of https/ left to kubeconform below).
    for (const folder of ['private-upstream', 'k3s-node-mirror', 'https', 'scenarios', 'pod-image-rewrite', 'shared-cache', 'object-storage']) {
      const own = berthFiles.filter((f) => f.path.startsWith(`examples/${folder}/`)).flatMap((f) => ['-f', join(root, f.path)]);
      await cluster.kubectl([...ssa, ...own]);
    }
    const listed = await cluster.kubectl(['get', 'regep,pcp', '-n', namespace, '-o', 'name']);
    const scenarios = ['docker-hub-authenticated', 'k8s-gcr-io', 'gcr-via-proxy', 'internal-registry'];
    for (const name of ['docker-hub', 'quay', 'ghcr', 'registry-k8s-io', 'gcr', 'private-registry', 'docker-hub-k3s', 'docker-hub-https', 'quay-rewrite', 'docker-hub-s3', ...scenarios]) {
      assert.ok(listed.includes(`proxycacheproject.berth.dev/${name}`), `${name} not created:\n${listed}`);
      assert.ok(listed.includes(`registryendpoint.berth.dev/${name}`), `${name} endpoint not created:\n${listed}`);
    }
    const folders = new Set(berthFiles.map((f) => f.path.split('/')[1]));
    assert.deepEqual([...folders].sort(), ['caches', 'https', 'k3s-node-mirror', 'object-storage', 'pod-image-rewrite', 'private-upstream', 'scenarios', 'shared-cache'], 'a new example folder: apply it above');
    // examples/shared-cache: the five upstreams of caches/ as members of one shared cache, in a namespace of their own.
    const shared = JSON.parse(await cluster.kubectl(['get', 'pcp', '-n', 'berth-shared', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { sharedCache?: string } }[] };
    assert.deepEqual(shared.items.map((p) => `${p.metadata.name}:${p.spec.sharedCache}`).sort(), ['docker-hub', 'gcr', 'ghcr', 'quay', 'registry-k8s-io'].map((n) => `${n}:harbor`));
  });

  it('every example passes kubeconform -strict, Argo CD and Flux objects included', async () => {
    const bin = toolPath('kubeconform');
    const manifests = files.filter((f) => !isKustomization(f));
    const schemaDir = join(work.path, 'schemas');
    await prepareSchemas(schemaDir, await cluster.kubectl(['get', '--raw', '/openapi/v2']), manifests.flatMap((f) => parseManifests(f.text)));
    const result = await kubeconform(bin, schemaDir, manifests.map((f) => f.text).join('\n---\n'));
    assert.deepEqual(result.problems, []);
    assert.equal(result.valid, manifests.flatMap((f) => parseManifests(f.text)).length);
  });

  it("docs/operations.md's Argo CD health patch adds the check to an existing argocd-cm and keeps its other keys", async () => {
    const [command, ...more] = shellBlocks(readFileSync(join(root, 'docs', 'operations.md'), 'utf8')).filter((b) => b.includes('argocd-health.yaml'));
    assert.ok(command && more.length === 0, 'one command in docs/operations.md applies argocd-health.yaml');
    await cluster.kubectl(['create', 'namespace', 'argocd']).catch(() => undefined);
    try {
      await cluster.kubectl(['create', 'configmap', 'argocd-cm', '-n', 'argocd', '--from-literal=url=https://argocd.example.com']);
      const shell = await readerShell(cluster);
      await shell.run(command).finally(() => shell.remove());
      const data = (JSON.parse(await cluster.kubectl(['get', 'configmap', 'argocd-cm', '-n', 'argocd', '-o', 'json'])) as { data: Record<string, string> }).data;
      assert.equal(data.url, 'https://argocd.example.com');
      for (const kind of ['ProxyCacheProject', 'RegistryEndpoint']) assert.match(data[`resource.customizations.health.berth.dev_${kind}`] ?? '', /obj\.status\.conditions/);
    } finally {
      await cluster.kubectl(['delete', 'namespace', 'argocd', '--ignore-not-found', '--wait=false']);
    }
  });

  describe('the private upstream, pointed at a local registry', () => {
    let registry: Registry;
    let operator: Daemon | undefined;

    before(async () => {
      registry = await startRegistry({ htpasswd: { username: 'berth-example', password: `pw-${process.pid}-${Date.now()}` } });
    });
    after(async () => {
      // The operator put its finalizer on every project here: delete them while it still runs, or the namespace
      // hangs in Terminating (and a later suite that applies examples/caches finds it so).
      if (operator) await cluster.kubectl(['delete', 'proxycacheprojects,registryendpoints', '--all', '-n', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
      await operator?.stop();
      await registry?.stop();
    });

    it('becomes Ready with the operator running', async () => {
      const creds = registry.credentials;
      assert.ok(creds);
      const text = files.find((f) => f.path === 'examples/private-upstream/private-registry.yaml')?.text ?? '';
      const secret = files.find((f) => f.path === 'examples/private-upstream/credentials-secret.yaml')?.text ?? '';
      assert.ok(text.includes('https://registry.example.com') && secret.includes('REPLACE-WITH-USERNAME'), 'the placeholders moved');
      // the local control plane has no volume provisioner: a static volume, in a class only this claim asks for
      const local = text.replace('https://registry.example.com', registry.url).replace('storage: { size: 20Gi }', `storage: { size: 20Gi, storageClassName: ${TEST_STORAGE_CLASS} }`);
      assert.notEqual(local, text.replace('https://registry.example.com', registry.url), 'the storage line moved');
      await cluster.kubectl(['apply', '-f', '-'], { input: staticVolume({ name: 'berth-examples-private', namespace, claim: 'berth-private-registry', size: '20Gi' }) });
      const filled = secret.replace('REPLACE-WITH-USERNAME', creds.username).replace('REPLACE-WITH-PASSWORD-OR-TOKEN', creds.password);
      await cluster.kubectl(['apply', '--server-side', '--field-manager=berth-examples', '--force-conflicts', '-f', '-'], { input: `${filled}\n---\n${local}` });

      operator = startDaemon({
        name: 'berth-operator (examples)',
        logFile: join(work.path, 'operator.log'),
        ...operatorCommand({ kubeconfig: cluster.kubeconfig, namespace: 'default', metricsPort: await freePort() }),
      });
      await cluster
        .kubectl(['wait', '-n', namespace, '--for=condition=Ready', 'registryendpoint/private-registry', 'proxycacheproject/private-registry', '--timeout=180s'])
        .catch(async (err: Error) => {
          throw new Error(`${err.message}\noperator log:\n${await logTail(operator as Daemon)}`);
        });
      // the password reached the upstream (Ready means it authenticated) and nowhere it must not be
      const status = await cluster.kubectl(['get', 'regep,pcp', '-n', namespace, '-o', 'yaml']);
      assert.ok(!status.includes(creds.password), 'the upstream password appears in a status');
      const events = await cluster.kubectl(['get', 'events', '-n', namespace, '-o', 'yaml']);
      assert.ok(!events.includes(creds.password), 'the upstream password appears in an event');
      assert.ok(!(await operator.log()).includes(creds.password), "the upstream password appears in the operator's log");
    });
  });
});

