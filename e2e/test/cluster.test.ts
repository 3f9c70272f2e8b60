// The local control plane proves itself: readiness, Ready nodes, a Deployment Available, a DaemonSet with a
// Running pod on every node, least-privilege ServiceAccount kubeconfigs, an apiserver restart, and the CLI's
// up/status/down on a state folder of its own (so it never stops the cluster other suites share).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { useCluster, type Cluster } from '../src/cluster/index.ts';
import { runKubectl } from '../src/cluster/kubectl.ts';
import { e2ePackageDir, requireBinaries } from '../src/cluster/layout.ts';
import { isRunning } from '../src/cluster/processes.ts';
import type { ClusterState } from '../src/cluster/state.ts';
import { portOpen } from '../src/testbed/ports.ts';

const run = promisify(execFile);

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
}

const workload = (kind: 'Deployment' | 'DaemonSet', name: string, namespace: string): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace },
    spec: {
      ...(kind === 'Deployment' ? { replicas: 2 } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        // kwok runs no containers: the image is never pulled. The fake nodes only: the real node would pull it.
        spec: { nodeSelector: { type: 'kwok' }, containers: [{ name: 'main', image: 'registry.invalid/smoke:1' }] },
      },
    },
  });

describe('local control plane @real', function () {
  let cluster: Cluster;
  const namespace = `smoke-${randomBytes(3).toString('hex')}`;

  before(async () => {
    cluster = await useCluster();
    await cluster.kubectl(['create', 'namespace', namespace]);
  });
  after(async () => {
    await cluster?.kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
  });

  it('answers /readyz', async () => {
    assert.equal((await cluster.kubectl(['get', '--raw', '/readyz'])).trim(), 'ok');
  });

  it('has at least two Ready nodes', async () => {
    const nodes = JSON.parse(await cluster.kubectl(['get', 'nodes', '-o', 'json'])) as { items: { status: { conditions: { type: string; status: string }[] } }[] };
    const ready = nodes.items.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    assert.ok(ready.length >= 2, `${ready.length} Ready nodes`);
  });

  it('brings a Deployment to Available', async () => {
    await cluster.kubectl(['apply', '-f', '-'], { input: workload('Deployment', 'web', namespace) });
    await cluster.kubectl(['wait', '-n', namespace, '--for=condition=Available', 'deployment/web', '--timeout=90s']);
    const deploy = JSON.parse(await cluster.kubectl(['get', '-n', namespace, 'deployment/web', '-o', 'json'])) as { status: { availableReplicas?: number } };
    assert.equal(deploy.status.availableReplicas, 2);
  });

  it('runs a DaemonSet pod on every (fake) node', async () => {
    await cluster.kubectl(['apply', '-f', '-'], { input: workload('DaemonSet', 'agent', namespace) });
    await cluster.kubectl(['rollout', 'status', '-n', namespace, 'daemonset/agent', '--timeout=90s']);
    const nodes = (await cluster.kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'name'])).trim().split('\n').map((n) => n.replace('node/', ''));
    await cluster.kubectl(['wait', '-n', namespace, '--for=jsonpath={.status.phase}=Running', 'pod', '-l', 'app=agent', '--timeout=90s']);
    const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', namespace, '-l', 'app=agent', '-o', 'json'])) as PodList;
    assert.deepEqual(pods.items.filter((p) => p.status.phase === 'Running').map((p) => p.spec.nodeName).sort(), nodes.sort());
  });

  it('writes a ServiceAccount kubeconfig that RBAC holds to its grants', async () => {
    await cluster.kubectl(['create', 'serviceaccount', 'reader', '-n', namespace]);
    await cluster.kubectl(['create', 'role', 'cm-reader', '-n', namespace, '--verb=get,list', '--resource=configmaps']);
    await cluster.kubectl(['create', 'rolebinding', 'reader', '-n', namespace, '--role=cm-reader', `--serviceaccount=${namespace}:reader`]);
    const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, 'reader');
    const as = (args: string[]): Promise<string> => runKubectl(requireBinaries().kubectl, kubeconfig, args);
    const whoami = JSON.parse(await as(['auth', 'whoami', '-o', 'json'])) as { status: { userInfo: { username: string } } };
    assert.equal(whoami.status.userInfo.username, `system:serviceaccount:${namespace}:reader`);
    await as(['get', 'configmaps', '-n', namespace]);
    await assert.rejects(as(['get', 'secrets', '-n', namespace]), /forbidden/);
  });

  it('restarts the apiserver and keeps the cluster state', async () => {
    await cluster.restartApiserver();
    assert.equal((await cluster.kubectl(['get', '--raw', '/readyz'])).trim(), 'ok');
    assert.match(await cluster.kubectl(['get', 'namespace', namespace, '-o', 'name']), new RegExp(`namespace/${namespace}`));
  });

  describe('pnpm cluster up|status|down on a state folder of its own', () => {
    let dir: string;
    // without a real node: the shared cluster has the machine's one (fixed ports, host paths)
    const cli = (cmd: string): Promise<{ stdout: string }> =>
      run(process.execPath, ['--import', 'tsx', join(e2ePackageDir(), 'src', 'cluster', 'cli.ts'), cmd], { env: { ...process.env, BERTH_CLUSTER_DIR: dir, BERTH_REAL_NODE: '0' }, timeout: 180_000 });
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'berth-cluster-'));
    });
    after(async () => {
      if (existsSync(join(dir, 'state.json')) || existsSync(join(dir, 'pids'))) await cli('down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('comes up, says so again without restarting, and goes down leaving no process or listener', async () => {
      assert.match((await cli('up')).stdout, /local control plane: up/);
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState;
      assert.match((await cli('up')).stdout, /already up/);
      assert.equal((JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState).startedAt, state.startedAt);
      assert.match((await cli('status')).stdout, /berth-worker-1 +Ready/);
      const processes = Object.values(state.processes);
      assert.equal(processes.length, 5);
      assert.match((await cli('down')).stdout, /stopped/);
      for (const p of processes) assert.equal(isRunning(p.pid, p.command), false, `${p.command} still runs`);
      for (const [name, port] of Object.entries(state.ports)) assert.equal(await portOpen(port), false, `${name} port ${port} still listens`);
      assert.match((await cli('status')).stdout, /down/);
    });
  });
});
