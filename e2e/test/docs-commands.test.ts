// Every shell command README.md and docs/ give a reader, accounted for: each block is either run here as written
// (by this file or by the test named beside it) or says why the local bed cannot run it. A new block fails the
// inventory until someone decides which. The runnable ones of docs/operations.md run here, in the order a reader
// follows: install, read the node reports, label a namespace for node mirroring, upgrade.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, tempDir, useCluster, waitFor, type Cluster } from '../src/index.ts';
import { toolPath } from '../src/chart/tools.ts';
import { shellBlocks } from '../src/docs/commands.ts';
import { freshReaderCluster, readerShell, removeReaderInstall, type ReaderShell } from '../src/docs/reader-shell.ts';

type Verdict = { runBy: string } | { notHere: string };

/** Keyed by the block's first line. */
const INVENTORY: Record<string, Verdict> = {
  './dev up      # sets everything up and runs Berth on a local cluster with a real node': { runBy: 'e2e/test/up.test.ts (./dev up) and CI itself (./dev test)' },
  './dev images --push "$REGISTRY"': { runBy: 'e2e/test/readme-install.test.ts' },
  'helm upgrade --install berth charts/berth --namespace berth-system --create-namespace --wait \\': { runBy: 'e2e/test/readme-install.test.ts' },
  'kubectl apply -f examples/caches/00-namespace.yaml -f examples/caches/docker-hub.yaml': { runBy: 'e2e/test/readme-install.test.ts' },
  './dev images                                  # into buildah\'s storage: localhost/berth-dev/berth-{proxy,operator}:0.1.0': { runBy: 'e2e/test/images.test.ts (the same build script and flags)' },
  './dev images --push "$REGISTRY"     # a registry your nodes pull from, e.g. registry.example.com/platform': { runBy: 'this file' },
  'kubectl -n argocd patch configmap argocd-cm --patch-file examples/gitops/argocd-health.yaml': { runBy: 'e2e/test/examples.test.ts' },
  'kubectl apply --server-side --force-conflicts -f charts/berth/crds/': { runBy: 'this file' },
  'kubectl -n berth-system get cm -l berth.dev/node-report=true': { runBy: 'this file' },
  "kubectl -n berth-system get cm berth-node-report-<node> -o jsonpath='{.data.report\\.json}' \\": { runBy: 'this file' },
  'berth-proxy node-agent --check --config agent.yaml --host-root /   # writes nothing, prints the report': { runBy: 'node-agent/test/cli-gate.test.ts (the same CLI and flags, on a test host root: berth-proxy is in the image, not on this machine\'s PATH)' },
  'kubectl label namespace berth-caches berth.dev/node-mirror=allowed': { runBy: 'this file' },
  './dev pnpm soak                                                   # 8 min, 64 clients, seed 13': { notHere: 'minutes each, too long for every CI run: bench/test/soak.test.ts runs the same soak for 25 s; run by hand, results in bench/results/' },
  'BERTH_HEAP_SAMPLES=/tmp/heap.csv BERTH_BENCH_NODE_ARGS="--expose-gc --import=$PWD/bench/src/soak/heap-sampler.ts" \\': { notHere: 'a diagnosis of a failed soak, minutes long; run by hand' },
  'kubectl apply -f examples/https/': { notHere: 'needs cert-manager, which the local bed does not run; e2e/test/examples.test.ts applies the folder\'s Berth objects and checks the cert-manager ones with kubeconform' },
  'CACHE=http://docker-hub.berth-caches.svc:5000   # status.urls.inCluster; or the Ingress URL': { runBy: 'proxy/test/catalog.test.ts (as written, with CACHE set to a real proxy\'s address: the Service is not reachable from the test host)' },
  'kubectl -n berth-caches get pcp -o wide': { runBy: 'this file' },
  'kubectl apply -f examples/shared-cache/': { runBy: 'e2e/test/examples.test.ts (the folder, server-side) and operator/test/shared-cache.test.ts (three members of one cache on the local control plane, their `get pcp -o wide` and the children by `berth.dev/cache`)' },
  'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj /CN=my-cache-ca \\': { runBy: 'this file' },
  "kubectl -n berth-caches get secret docker-hub-https-tls -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt": { runBy: 'this file' },
};

function documentedBlocks(): { file: string; block: string }[] {
  const root = repoRoot();
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return files.flatMap((file) => shellBlocks(readFileSync(join(root, file), 'utf8')).map((block) => ({ file, block })));
}

const firstLine = (block: string) => block.split('\n')[0]!;

describe('docs: every shell command', () => {
  it('is run by a test or says why it cannot run here', () => {
    const unaccounted = documentedBlocks().filter(({ block }) => !INVENTORY[firstLine(block)]).map(({ file, block }) => `${file}: ${firstLine(block)}`);
    assert.deepEqual(unaccounted, [], 'add each to INVENTORY in e2e/test/docs-commands.test.ts, and run it if the local bed can');
    const stale = Object.keys(INVENTORY).filter((line) => !documentedBlocks().some(({ block }) => firstLine(block) === line));
    assert.deepEqual(stale, [], 'INVENTORY names blocks no document has any more');
  });
});

describe('docs/operations.md, run as written @real', function () {
  this.timeout(1_200_000);
  let cluster: Cluster;
  let shell: ReaderShell;
  const blocks = shellBlocks(readFileSync(join(repoRoot(), 'docs', 'operations.md'), 'utf8'));
  const block = (first: string) => {
    const found = blocks.find((b) => firstLine(b).startsWith(first));
    assert.ok(found, `docs/operations.md has a block starting with ${first}`);
    return found;
  };

  before(async () => {
    cluster = await useCluster();
    shell = await readerShell(cluster);
    await freshReaderCluster(cluster);
  });
  after(async () => {
    if (cluster) await removeReaderInstall(cluster);
    await shell?.remove();
  });

  it('installs: images pushed, the chart, a first cache listed', async () => {
    const out = await shell.run(block('./dev images --push'), { REGISTRY: `${cluster.registry}/docs` });
    assert.match(out, /berth-caches\s+proxycacheproject\.berth\.dev\/docker-hub|docker-hub/);
  });

  it("shows what is cached in the project's columns and status", async () => {
    const out = await shell.run(block('kubectl -n berth-caches get pcp -o wide'));
    const header = out.split('\n')[0] ?? '';
    for (const column of ['CACHED', 'REPOS', 'KEPT', 'LARGEST']) assert.match(header, new RegExp(`\\b${column}\\b`), header);
    assert.match(out, /^docker-hub\s/m);
  });

  it("reads the node reports (the real node's, by its name)", async () => {
    const reports = block('kubectl -n berth-system get cm -l berth.dev/node-report=true');
    // The docker-hub example mirrors onto every node: wait for the real node's agent to report, then run as written.
    const name = `berth-node-report-${cluster.realNode.name}`;
    await cluster.kubectl(['wait', '-n', 'berth-system', '--for=create', `configmap/${name}`, '--timeout=300s']);
    // The agent's first report can come before the cache has an address (no registry in its config yet): wait for
    // the report of a config that names the registry, as a reader would look again.
    await waitFor(async () => {
      const json = await cluster.kubectl(['get', 'cm', '-n', 'berth-system', name, '-o', 'jsonpath={.data.report\\.json}']);
      return ((JSON.parse(json || '{}') as { registries?: unknown[] }).registries ?? []).length > 0;
    }, { what: `${name} to report the docker.io registry`, timeoutMs: 300_000, intervalMs: 1000 });
    const out = await shell.run(reports.replaceAll('<node>', cluster.realNode.name));
    assert.match(out, new RegExp(name.replaceAll('.', '\\.')));
    assert.match(out, /"configHash"/);
    const verdict = JSON.parse(await shell.run(block("kubectl -n berth-system get cm berth-node-report-<node> -o jsonpath='{.data.report\\.json}' \\").replaceAll('<node>', cluster.realNode.name))) as { verdict: string; results: unknown[] };
    assert.match(verdict.verdict, /^(mirrored|not-mirrored|unknown|failed)$/);
    // The example cache has no volume here (no provisioner), so its node config may list no registry yet: the
    // query's shape is what the docs promise.
    assert.ok(Array.isArray(verdict.results), 'the query lists results per registry and runtime');
  });

  it('labels a namespace for node mirroring', async () => {
    await shell.run(block('kubectl label namespace'));
    const labels = JSON.parse(await cluster.kubectl(['get', 'namespace', 'berth-caches', '-o', 'jsonpath={.metadata.labels}'])) as Record<string, string>;
    assert.equal(labels['berth.dev/node-mirror'], 'allowed');
  });

  it('makes a TLS Secret with openssl, as written, and fetches its CA back', async () => {
    const dir = await tempDir('berth-docs-tls');
    try {
      await shell.run(block('openssl req -x509'), {}, dir.path);
      const secret = JSON.parse(await cluster.kubectl(['get', 'secret', 'docker-hub-https-tls', '-n', 'berth-caches', '-o', 'json'])) as { type: string; data: Record<string, string> };
      assert.equal(secret.type, 'kubernetes.io/tls');
      assert.deepEqual(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
      const made = await readFile(join(dir.path, 'ca.crt'), 'utf8');
      await rm(join(dir.path, 'ca.crt'));
      await shell.run(block('kubectl -n berth-caches get secret docker-hub-https-tls'), {}, dir.path);
      assert.equal(await readFile(join(dir.path, 'ca.crt'), 'utf8'), made);
    } finally {
      await dir.remove();
    }
  });

  it('upgrades: the CRDs first, then the release with its values', async () => {
    await shell.run(block('kubectl apply --server-side --force-conflicts -f charts/berth/crds/'));
    const history = await run(toolPath('helm'), ['history', 'berth', '-n', 'berth-system', '--kubeconfig', cluster.kubeconfig, '-o', 'json']);
    const revisions = JSON.parse(history) as { revision: number; status: string }[];
    assert.equal(revisions.at(-1)?.revision, 2);
    assert.equal(revisions.at(-1)?.status, 'deployed');
    const image = await cluster.kubectl(['get', 'deployment', 'berth', '-n', 'berth-system', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    assert.ok(image.startsWith(`${cluster.registry}/docs/berth-operator:`), `--reuse-values kept the image repository: ${image}`);
  });
});
