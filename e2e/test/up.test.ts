// `./dev up` once, on the local control plane, then `./dev down`: everything the README's first command promises.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { useCluster } from '../src/index.ts';
import { bringUp, tearDown, type UpResult } from '../src/up/flow.ts';
import { serviceRunning } from '../src/up/services.ts';
import { readUpState, upDir, type UpService } from '../src/up/state.ts';

describe('./dev up and ./dev down @real', function () {
  this.timeout(900_000);
  const said: string[] = [];
  let result: UpResult | undefined;
  let services: UpService[] = [];

  after(async () => {
    if (readUpState()) await tearDown(); // even when an assertion failed
    const cluster = await useCluster();
    await cluster.kubectl(['delete', 'namespace', 'berth-up-test', '--ignore-not-found', '--wait=false']);
  });

  it('brings up the cluster, CRDs, operator, an upstream, a cache, and pulls an image through it with containerd', async () => {
    try {
      // its own release and namespace, so it shares the cluster with the operator's tests (which use berth-system)
      result = await bringUp({ forceLocal: true, release: 'berth-up-test', namespace: 'berth-up-test', say: (line) => said.push(line) });
    } finally {
      services = Object.values(readUpState()?.services ?? {});
    }
    assert.ok(said.some((l) => l.includes('kwok nodes do not run containers')), 'the output says why the operator runs as a process');
    assert.match(result.hostsToml, /\[host\."http:\/\/127\.0\.0\.1:\d+/, 'hosts.toml points at the cache');
    assert.ok(result.stats.artifacts > 0 && result.stats.misses > 0, `the cache served the pull: ${JSON.stringify(result.stats)}`);
    const rows = result.table.split('\n').filter((l) => l.startsWith('berth-demo'));
    assert.equal(rows.length, 2, result.table);
    for (const row of rows) assert.match(row, /\bTrue\b/, `not Ready:\n${result.table}`);
    // the operator read the proxy's figures into status: the CACHED column of the project's row is filled
    assert.match(rows.find((r) => r.includes('proxycacheproject')) ?? '', /\bTrue\s+\d+(\.\d+)?\s*[KMG]i?B?\b/, `no cache figures:\n${result.table}`);
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
