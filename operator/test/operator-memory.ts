// A measurement, not a test (mocha's *.test.ts globs leave it out): berth-operator's memory with N
// ProxyCacheProjects (default 200) on the local control plane, and the time until all of them are reconciled.
//
//   pnpm exec tsc -b && pnpm exec tsx --conditions=berth-source operator/test/operator-memory.ts [--projects 200]
//     [--timeout-seconds 900] [--from dist|source] [--node-option --max-old-space-size=128 ...] [--heap-snapshot DIR]
//
// --from dist (the default) runs operator/dist/src/cli.js, as the image does; --from source runs it through tsx.
// Besides RSS, the V8 heap (used and total) and external memory are read from the operator's own /metrics, to tell
// live objects from memory V8 has not handed back. --heap-snapshot writes a heap snapshot into DIR once all are Ready.
//
// One RegistryEndpoint per project (all pointing at one local docker-registry) and one static PersistentVolume per
// project's claim, so kwok runs every proxy pod and the projects go Ready. The operator runs as a child process
// with its own least-privilege ServiceAccount token, watching a namespace of its own; its RSS (VmRSS, and VmHWM:
// the peak) is read from /proc/<pid>/status. Everything it creates is deleted at the end; it reuses the running
// local control plane (`pnpm cluster up`), or starts one and leaves it running (`pnpm cluster down`).
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { httpAnswers, stopAll, startRegistry, tempDir, useCluster, waitFor, type Cluster } from '@berth/e2e';
import { startOperator, type OperatorProcess } from './operator-process.ts';
import { createTestNamespace, deleteTestNamespace, type TestNamespace } from './test-namespace.ts';

interface Listed {
  items: {
    metadata: { generation?: number };
    status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
  }[];
}

async function memoryOf(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

interface HeapFigures {
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

/** The V8 heap and external memory, from prom-client's default metrics on the operator's /metrics. */
async function heapOf(healthUrl: string): Promise<HeapFigures> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  const mib = (name: string) => Number(new RegExp(`^berth_operator_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { heapUsedMiB: mib('nodejs_heap_size_used_bytes'), heapTotalMiB: mib('nodejs_heap_size_total_bytes'), externalMiB: mib('nodejs_external_memory_bytes') };
}

const round = <T extends object>(figures: T): T => Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v])) as T;

function manifests(ns: string, count: number, upstreamUrl: string): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: v1
kind: PersistentVolume
metadata: { name: ${ns}-pv-${i} }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: ${ns}
  persistentVolumeReclaimPolicy: Delete
  hostPath: { path: /tmp/${ns}-pv-${i} }
`);
    docs.push(`apiVersion: berth.dev/v1alpha1
kind: RegistryEndpoint
metadata: { name: upstream-${i}, namespace: ${ns} }
spec: { provider: oci, url: ${upstreamUrl} }
`);
    docs.push(`apiVersion: berth.dev/v1alpha1
kind: ProxyCacheProject
metadata: { name: cache-${i}, namespace: ${ns} }
spec:
  endpointRef: { name: upstream-${i} }
  storage: { size: 1Gi, storageClassName: ${ns} }
`);
  }
  return docs.join('---\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      projects: { type: 'string', default: '200' },
      'timeout-seconds': { type: 'string', default: '900' },
      from: { type: 'string', default: 'dist' },
      'node-option': { type: 'string', multiple: true, default: [] },
      'heap-snapshot': { type: 'string' },
    },
  });
  const from = values.from === 'source' ? 'source' : 'dist';
  const snapshotDir = values['heap-snapshot'];
  const nodeOptions = [...values['node-option'], ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [])];
  const count = Number(values.projects);
  const timeoutMs = Number(values['timeout-seconds']) * 1000;
  const ns = `berth-mem-${process.pid}`;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const cluster: Cluster = await useCluster();
  const kubectl = (args: string[], input?: string) => cluster.kubectl(args, input === undefined ? {} : { input });
  const work = await tempDir('berth-operator-memory');
  const upstream = await startRegistry();
  let operator: OperatorProcess | undefined;
  let peak = { rssMiB: 0, hwmMiB: 0 };
  let sampler: NodeJS.Timeout | undefined;
  let testNamespace: TestNamespace | undefined;
  try {
    testNamespace = await createTestNamespace(cluster, ns);
    testNamespace.clusterScoped.push(...Array.from({ length: count }, (_, i) => `pv/${ns}-pv-${i}`));
    const kubeconfig = await cluster.serviceAccountKubeconfig(ns, 'berth-operator');
    operator = await startOperator({
      kubeconfig, identity: 'mem', logDir: work.path, from, nodeOptions, operatorNamespace: ns,
      args: ['--namespace', ns, '--leader-elect=false', '--resync-seconds', '300'],
    });
    const pid = operator.process.pid as number;
    const healthUrl = operator.healthUrl;
    const idle = { ...(await memoryOf(pid)), ...(await heapOf(healthUrl)) };
    log(`operator (from ${from}${nodeOptions.length ? ` with ${nodeOptions.join(' ')}` : ''}) idle: ${JSON.stringify(round(idle))}`);
    sampler = setInterval(() => {
      memoryOf(pid).then((m) => {
        peak = { rssMiB: Math.max(peak.rssMiB, m.rssMiB), hwmMiB: Math.max(peak.hwmMiB, m.hwmMiB) };
      }, () => undefined);
    }, 500);

    const started = Date.now();
    await kubectl(['apply', '-f', '-'], manifests(ns, count, upstream.url));
    log(`applied ${count} projects, ${count} endpoints and ${count} volumes in ${Date.now() - started} ms`);

    let reconciledAt: number | undefined;
    let progress = '';
    await waitFor(async () => {
      const list = JSON.parse(await kubectl(['get', 'pcp', '-n', ns, '-o', 'json'])) as Listed;
      const current = list.items.filter((p) => p.status?.observedGeneration === p.metadata.generation);
      const ready = current.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (reconciledAt === undefined && current.length === count) reconciledAt = Date.now();
      const line = `${current.length}/${count} reconciled, ${ready.length}/${count} Ready`;
      if (line !== progress) log(`  ${((Date.now() - started) / 1000).toFixed(1)} s: ${(progress = line)}`);
      return ready.length === count;
    }, { what: `${count} projects Ready`, timeoutMs, intervalMs: 2000, abort: () => (operator?.isRunning() ? undefined : 'the operator exited') });
    const readyMs = Date.now() - started;
    const settled = { ...(await memoryOf(pid)), ...(await heapOf(healthUrl)) };
    if (snapshotDir) {
      const before = new Set(await readdir(snapshotDir));
      operator.process.kill('SIGUSR2');
      const file = await waitFor(async () => (await readdir(snapshotDir)).find((f) => !before.has(f) && f.endsWith('.heapsnapshot')), { what: 'the heap snapshot', timeoutMs: 120_000, intervalMs: 500 });
      // The snapshot is written on the main thread: once /healthz answers again, the file is complete.
      await waitFor(() => httpAnswers(`${healthUrl}/healthz`), { what: 'the operator after the snapshot', timeoutMs: 120_000, intervalMs: 500 });
      log(`heap snapshot: ${join(snapshotDir, file)}`);
    }
    console.log(JSON.stringify({
      projects: count,
      from,
      nodeOptions,
      reconciledAllMs: (reconciledAt ?? Date.now()) - started,
      readyAllMs: readyMs,
      idle: round(idle),
      afterReady: round(settled),
      peakSampledRssMiB: round(peak).rssMiB,
      vmHwmMiB: round(settled).hwmMiB,
    }, null, 2));
  } finally {
    if (sampler) clearInterval(sampler);
    // The operator deletes the projects (and their children) while it still runs; then the namespace goes.
    if (testNamespace) {
      await deleteTestNamespace(cluster, testNamespace, {
        operatorRunning: () => operator?.isRunning() ?? false,
        stopOperators: async () => void (await operator?.stop()),
        projectsTimeoutMs: 300_000,
      });
    } else {
      await operator?.stop();
    }
    await upstream.stop();
    await work.remove();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
