// `./dev up` once, on the local control plane, then `./dev down`: everything the README's first command promises —
// Berth installed by Helm from its own images, and a workload whose image exists only upstream Running on the real
// node because the node pulled it through the cache.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { useCluster } from '../src/index.ts';
import { bringUp, tearDown, type UpResult } from '../src/up/flow.ts';
import { serviceRunning } from '../src/up/services.ts';
import { readUpState, upDir, type UpService } from '../src/up/state.ts';

describe('./dev up and ./dev down @real', function () {
  this.timeout(1_200_000);
  const said: string[] = [];
  let result: UpResult | undefined;
  let services: UpService[] = [];

  after(async () => {
    if (readUpState()) await tearDown(); // even when an assertion failed
  });

  it('installs Berth with Helm and runs a docker.io workload pulled through the cache on the real node', async () => {
    const cluster = await useCluster();
    try {
      // its own release and namespace, so it shares the cluster with the other suites
      result = await bringUp({ forceLocal: true, release: 'berth-up-test', namespace: 'berth-up-test', say: (line) => said.push(line) });
    } finally {
      services = Object.values(readUpState()?.services ?? {});
    }
    assert.ok(said.some((l) => l.includes(`on the real node ${cluster.realNode.name}`)), said.join('\n'));
    const podRow = result.workload.split('\n').find((l) => l.startsWith('demo-'));
    assert.match(podRow ?? '', /\bRunning\b/, result.workload);
    assert.ok(podRow?.includes(cluster.realNode.name), result.workload);
    const rows = result.table.split('\n').filter((l) => l.startsWith('berth-demo'));
    assert.equal(rows.length, 2, result.table);
    for (const row of rows) assert.match(row, /\bTrue\b/, `not Ready:\n${result.table}`);
    // the operator read the proxy's figures into status: the CACHED column of the project's row is filled
    assert.match(rows.find((r) => r.includes('proxycacheproject')) ?? '', /\bTrue\s+http\S+\s+\d+(\.\d+)?\s*[KMG]i?B?\b/, `no cache figures:\n${result.table}`);
    for (const s of services) assert.ok(serviceRunning(s), `${s.command} (pid ${s.pid}) is not running`);
  });

  it('./dev down stops everything up started', async () => {
    const done = await tearDown();
    assert.ok(done.length > 0);
    for (const s of services) assert.ok(!serviceRunning(s), `${s.command} (pid ${s.pid}) still runs`);
    assert.ok(!existsSync(upDir()), 'the up state is gone');
    // deleted while the operator still ran, so the project's finalizer was released and nothing is left Terminating
    await assert.rejects((await useCluster()).kubectl(['get', 'namespace', 'berth-demo']), /NotFound/);
  });
});
