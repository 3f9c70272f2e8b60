// README's "Install on your cluster", run as written against the local control plane as if it were the user's
// cluster: its shell blocks in order, with REGISTRY the cluster's loopback registry, kubectl and helm the pinned ones,
// KUBECONFIG the local cluster's. Then what the section promises: the operator runs on the real node, the example
// cache is accepted and listed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, useCluster, type Cluster } from '../src/index.ts';
import { section, shellBlocks } from '../src/docs/commands.ts';
import { freshReaderCluster, readerShell, removeReaderInstall, type ReaderShell } from '../src/docs/reader-shell.ts';

describe('README: Install on your cluster @real', function () {
  this.timeout(1_200_000);
  let cluster: Cluster;
  let shell: ReaderShell;
  const blocks = shellBlocks(section(readFileSync(join(repoRoot(), 'README.md'), 'utf8'), '## Install on your cluster'));

  before(async () => {
    cluster = await useCluster();
    shell = await readerShell(cluster);
    await freshReaderCluster(cluster);
  });
  after(async () => {
    if (cluster) await removeReaderInstall(cluster);
    await shell?.remove();
  });

  it('gives three steps: build and push, helm install, a first cache', () => {
    assert.equal(blocks.length, 3);
    assert.match(blocks[0]!, /\.\/dev images --push/);
    assert.match(blocks[1]!, /helm upgrade --install/);
    assert.match(blocks[2]!, /kubectl apply/);
  });

  it('runs every command as written and ends with Berth running on the node', async () => {
    const outputs: string[] = [];
    for (const block of blocks) outputs.push(await shell.run(block, { REGISTRY: `${cluster.registry}/readme` }));
    const pod = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', 'berth-system', '-l', 'app.kubernetes.io/name=berth-operator', '-o', 'json'])) as { items: { spec: { nodeName: string; containers: { image: string }[] }; status: { containerStatuses?: { ready: boolean }[] } }[] };
    assert.equal(pod.items.length, 1);
    assert.equal(pod.items[0]!.spec.nodeName, cluster.realNode.name);
    assert.equal(pod.items[0]!.spec.containers[0]!.image.startsWith(`${cluster.registry}/readme/berth-operator:`), true);
    assert.equal(pod.items[0]!.status.containerStatuses?.[0]?.ready, true);
    assert.match(outputs[2]!, /docker-hub/);
  });
});
