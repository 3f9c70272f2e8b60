// The real node: a kubelet with containerd, runc, the CNI bridge and kube-proxy beside kwok's fake nodes. Pods
// run as containers on 10.88.0.0/24, `kubectl logs`/`exec` go through the kubelet's authenticated API, a ClusterIP
// Service reaches a pod, a hostNetwork pod runs; and `down` — also after a crashed `up` — leaves the machine's
// state (iptables, mounts, links, netns, sysctls, cgroups, host paths, /etc/containerd, modules) as it was.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostSnapshot } from '../src/cluster/hoststate.ts';
import { releaseCluster, useCluster, type Cluster } from '../src/cluster/index.ts';
import { runKubectl } from '../src/cluster/kubectl.ts';
import { e2ePackageDir, requireBinaries } from '../src/cluster/layout.ts';
import { pollUntil } from '../src/cluster/processes.ts';
import { busyboxImage, realNodePorts } from '../src/cluster/realnode.ts';
import { portOpen } from '../src/testbed/ports.ts';

const run = promisify(execFile);
const cliPath = (): string => join(e2ePackageDir(), 'src', 'cluster', 'cli.ts');

function httpGet(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 3_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function diffSnapshots(before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(before)) {
    if (before[key] === after[key]) continue;
    const a = new Set(before[key]!.split('\n'));
    const b = new Set(after[key]!.split('\n'));
    out.push(`${key}: gone [${[...a].filter((l) => !b.has(l)).join(' | ')}] new [${[...b].filter((l) => !a.has(l)).join(' | ')}]`);
  }
  return out;
}

describe('real node: `down` leaves the host as `up` found it @real', function () {
  this.timeout(600_000);
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, BERTH_CLUSTER_DIR: dir, BERTH_REAL_NODE: '1' });
  const cli = (cmd: string): Promise<{ stdout: string }> => run(process.execPath, ['--import', 'tsx', cliPath(), cmd], { env: env(), timeout: 300_000 });

  before(async function () {
    // One real node per machine: a cluster this test run started gives way (the next suite starts it again);
    // one started outside the run (`pnpm cluster up`) keeps it, and these tests are skipped.
    await releaseCluster();
    if (await portOpen(realNodePorts.kubelet)) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'berth-host-'));
  });
  after(async () => {
    if (dir && (existsSync(join(dir, 'state.json')) || existsSync(join(dir, 'host-state.json')))) await cli('down').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after up, a pod, and down', async () => {
    const before = await hostSnapshot();
    const upOut = (await cli('up')).stdout;
    assert.match(upOut, /127\.0\.0\.1 +Ready +real/);
    const kubeconfig = join(dir, 'kubeconfig');
    const kubectl = (args: string[], input?: string): Promise<string> => runKubectl(requireBinaries().kubectl, kubeconfig, args, input === undefined ? {} : { input });
    // a pod with a volume and a Service, so mounts, netns, veths and kube-proxy rules exist at `down`
    await kubectl(['apply', '-f', '-'], podAndService('default', 'host-probe'));
    await kubectl(['wait', '--for=condition=Ready', 'pod/host-probe', '--timeout=120s']);
    assert.notDeepEqual(await hostSnapshot(), before);
    await cli('down');
    assert.deepEqual(diffSnapshots(before, await hostSnapshot()), []);
  });

  it('after an `up` killed midway, and after the node\'s processes were killed', async () => {
    const before = await hostSnapshot();
    // kill `up` itself once containerd runs (the record is written, the host changed)
    const up = spawn(process.execPath, ['--import', 'tsx', cliPath(), 'up'], { env: env(), stdio: 'ignore' });
    const killedMidway = await pollUntil(async () => existsSync(join(dir, 'pids', 'containerd.pid')), 240_000, 100);
    up.kill('SIGKILL');
    assert.ok(killedMidway, 'up never reached containerd');
    await cli('down');
    assert.deepEqual(diffSnapshots(before, await hostSnapshot()), []);

    // a full `up` with a running pod, then every node process SIGKILLed (pods and shims stay behind)
    await cli('up');
    const kubectl = (args: string[], input?: string): Promise<string> => runKubectl(requireBinaries().kubectl, join(dir, 'kubeconfig'), args, input === undefined ? {} : { input });
    await kubectl(['apply', '-f', '-'], podAndService('default', 'crash-probe'));
    await kubectl(['wait', '--for=condition=Ready', 'pod/crash-probe', '--timeout=120s']);
    for (const name of ['kubelet', 'kube-proxy', 'containerd']) {
      const { stdout } = await run('cat', [join(dir, 'pids', `${name}.pid`)]);
      process.kill(Number(stdout.split('\n')[0]), 'SIGKILL');
    }
    await cli('down');
    assert.deepEqual(diffSnapshots(before, await hostSnapshot()), []);
  });
});

/** What a pod that must really run carries: the real node's label and a toleration of its taint. */
const realPlacement = {
  nodeSelector: { 'berth.dev/node': 'real' },
  tolerations: [{ key: 'berth.dev/real-node', operator: 'Exists', effect: 'NoSchedule' }],
};

/** A busybox pod serving a file over HTTP on 8080 (an emptyDir volume), and a ClusterIP Service for it. */
function podAndService(namespace: string, name: string): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      ...realPlacement,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: busyboxImage,
          command: ['sh', '-c', 'echo berth-ok > /www/index.html && echo serving && exec httpd -f -v -p 8080 -h /www'],
          volumeMounts: [{ name: 'www', mountPath: '/www' }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
        },
      ],
      volumes: [{ name: 'www', emptyDir: {} }],
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod, service] });
}

interface PodJson {
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; hostIP?: string; conditions?: { type: string; status: string }[] };
}

describe('the real node @real', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  const namespace = `real-${randomBytes(3).toString('hex')}`;
  const figures: Record<string, number> = {};

  before(async () => {
    cluster = await useCluster();
    await cluster.realNodeNamespace(namespace);
  });
  after(async () => {
    await cluster?.kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
    if (Object.keys(figures).length > 0) console.log(`real node figures (s): ${JSON.stringify(figures)}`);
  });

  it('is Ready, labelled, tainted for real workloads only, with InternalIP 127.0.0.1', async () => {
    const node = JSON.parse(await cluster.kubectl(['get', 'node', cluster.realNode.name, '-o', 'json'])) as {
      metadata: { labels: Record<string, string> };
      spec: { taints?: { key: string; effect: string }[] };
      status: { conditions: { type: string; status: string }[]; addresses: { type: string; address: string }[]; nodeInfo: { containerRuntimeVersion: string } };
    };
    assert.ok(node.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
    assert.equal(node.metadata.labels['berth.dev/node'], 'real');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], '127.0.0.1');
    assert.deepEqual((node.spec.taints ?? []).map((t) => `${t.key}:${t.effect}`), ['berth.dev/real-node:NoSchedule']);
    assert.ok(node.status.addresses.some((a) => a.type === 'InternalIP' && a.address === '127.0.0.1'));
    // Debian's 1.6, or the release chosen with `pnpm cluster up --containerd 2.1` (BERTH_CONTAINERD)
    const version = cluster.realNode.containerd;
    assert.match(node.status.nodeInfo.containerRuntimeVersion, version === 'system' ? /^containerd:\/\/1\./ : new RegExp(`^containerd://${version.slice(1).replace(/\./g, '\\.')}$`));
  });

  it('runs a pod on the CNI bridge; kubectl logs and exec work; resolv.conf names loopback only', async () => {
    const started = Date.now();
    await cluster.kubectl(['apply', '-f', '-'], { input: podAndService(namespace, 'web') });
    await cluster.kubectl(['wait', '-n', namespace, '--for=condition=Ready', 'pod/web', '--timeout=120s']);
    figures.podReady = (Date.now() - started) / 1000;
    const pod = JSON.parse(await cluster.kubectl(['get', 'pod', 'web', '-n', namespace, '-o', 'json'])) as PodJson;
    assert.equal(pod.spec.nodeName, '127.0.0.1', 'realNodeNamespace placed the pod on the real node');
    assert.match(pod.status.podIP ?? '', /^10\.88\.0\.\d+$/);
    assert.match(await cluster.kubectl(['logs', '-n', namespace, 'web']), /serving/);
    assert.equal((await cluster.kubectl(['exec', '-n', namespace, 'web', '--', 'cat', '/www/index.html'])).trim(), 'berth-ok');
    assert.equal((await cluster.kubectl(['exec', '-n', namespace, 'web', '--', 'cat', '/etc/resolv.conf'])).trim(), 'nameserver 127.0.0.1');
    // the host reaches the pod on the bridge
    assert.equal((await httpGet(`http://${pod.status.podIP}:8080/`))?.trim(), 'berth-ok');
  });

  it('reaches the pod through a ClusterIP Service (kube-proxy, iptables)', async () => {
    const ip = (await cluster.kubectl(['get', 'service', 'web', '-n', namespace, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    assert.match(ip, /^10\.96\./);
    const ok = await pollUntil(async () => (await httpGet(`http://${ip}/`))?.trim() === 'berth-ok', 60_000, 250);
    assert.ok(ok, `http://${ip}/ never answered`);
    // and from another pod, as the operator reaches a cache (through sh: the image links no applet but sh, and
    // busybox's sh runs its applets itself)
    const client = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace }, spec: { ...realPlacement, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busyboxImage, command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done'] }] } };
    await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(client) });
    await cluster.kubectl(['wait', '-n', namespace, '--for=condition=Ready', 'pod/client', '--timeout=120s']);
    // (busybox-static's wget crashes now and then here: a plain HTTP/1.0 request through nc instead)
    const inPod = await cluster.kubectl(['exec', '-n', namespace, 'client', '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} 80`]);
    assert.match(inPod, /^HTTP\/1\.[01] 200 /);
    assert.equal(inPod.trim().split('\n').at(-1)?.trim(), 'berth-ok');
  });

  it('runs a hostNetwork pod', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'host-net', namespace },
      spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busyboxImage, command: ['sh', '-c', 'echo on-host && exec sleep 3600'] }] },
    };
    await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
    await cluster.kubectl(['wait', '-n', namespace, '--for=condition=Ready', 'pod/host-net', '--timeout=120s']);
    const got = JSON.parse(await cluster.kubectl(['get', 'pod', 'host-net', '-n', namespace, '-o', 'json'])) as PodJson;
    assert.equal(got.status.podIP, '127.0.0.1');
    assert.match(await cluster.kubectl(['logs', '-n', namespace, 'host-net']), /on-host/);
  });

  it('serves the cluster registry with the node images', async () => {
    assert.equal(cluster.registry, '127.0.0.1:5000');
    const tags = JSON.parse((await httpGet(`http://${cluster.registry}/v2/berth/busybox/tags/list`)) ?? '{}') as { tags?: string[] };
    assert.deepEqual(tags.tags, ['1']);
  });
});
