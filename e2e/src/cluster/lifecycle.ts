// `up`, `down` and the apiserver restart: start the control plane's processes detached, in order, each waited
// for on its own health signal, and stop every one of them by pid.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { apiserverUrl, componentKubeconfig, componentNames, components, kwokConfig, kwokConfigFile, type Component, type ComponentName, type Ports } from './components.ts';
import { apiGet, apiserverReady, componentHealthy, etcdHealthy, type ClientTls } from './health.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { runKubectl } from './kubectl.ts';
import { parseVersionsEnv, toolchainDir, type Binaries, type ClusterLayout } from './layout.ts';
import { fakeNodeList, fakeNodeNames, isNodeReady, type NodeLike } from './nodes.ts';
import { withLock } from './lock.ts';
import { ensurePki, pkiFiles } from './pki.ts';
import { freeLoopbackPorts } from './ports.ts';
import { isRunning, logTail, pollUntil, startDetached, stopProcess } from './processes.ts';
import { forgetProcesses, readState, recordedProcesses, recordPid, writeState, type ClusterState, type ProcessRecord } from './state.ts';
import { installGuard, killPods, readHostRecord, recordHostState, restoreHostState, writeTree } from './hoststate.ts';
import { ensureBusyboxImage, ensurePauseImage } from './node-images.ts';
import {
  bridgeAddress,
  bridgeName,
  certsDFiles,
  cniConflist,
  containerdCertsDir,
  containerdConfig,
  containerdConfigFile,
  etcContainerd,
  kubeletConfig,
  kubeProxyConfig,
  nodeComponentNames,
  nodeComponents,
  nodePaths,
  realNodeContainerd,
  realNodeName,
  realNodePorts,
  realNodeTaint,
  registryAddress,
  registryConfig,
  resolvConf,
  type NodeComponent,
  type RealNodeContainerd,
} from './realnode.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { portOpen } from '../testbed/ports.ts';
import { httpAnswers } from '../testbed/wait.ts';

export const nodeCount = 2;

/**
 * `up` starts the real node (realnode.ts) unless BERTH_REAL_NODE=0: one per machine (fixed ports, host paths), so a
 * second cluster on the same machine (another state folder) must start without one.
 */
export function realNodeWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BERTH_REAL_NODE !== '0';
}

/** The real node's containerd: BERTH_CONTAINERD=1.7|2.1|2.2 (`pnpm cluster up --containerd 2.1`), else Debian's. */
export function chosenContainerd(env: NodeJS.ProcessEnv = process.env): RealNodeContainerd {
  const pins = parseVersionsEnv(readFileSync(join(toolchainDir(), 'versions.env'), 'utf8'));
  return realNodeContainerd(env.BERTH_CONTAINERD, pins, env.BERTH_CACHE ?? join(homedir(), '.cache', 'berth'));
}
const startTimeoutMs = 120_000;

export function adminTls(layout: ClusterLayout): ClientTls {
  const pki = pkiFiles(layout.pki);
  const admin = pki.cert('admin');
  return { ca: pki.caCert, cert: admin.cert, key: admin.key };
}

function logFile(layout: ClusterLayout, name: string): string {
  return join(layout.logs, `${name}.log`);
}

/** True when every recorded process runs and the apiserver is ready. */
export async function isUp(layout: ClusterLayout): Promise<boolean> {
  const state = readState(layout);
  if (!state) return false;
  const names = [...componentNames, ...(state.realNode ? nodeComponentNames : [])];
  const all = names.every((n) => {
    const rec = state.processes[n];
    return rec !== undefined && isRunning(rec.pid, rec.command);
  });
  return all && (await apiserverReady(apiserverUrl(state.ports), adminTls(layout)));
}

/** Polls `check` until true; fails early, with its log's tail, when one of `watched` exits meanwhile. */
async function waitFor(layout: ClusterLayout, what: string, check: () => Promise<boolean>, watched: ProcessRecord[], names: string[]): Promise<void> {
  let died: string | undefined;
  const ok = await pollUntil(async () => {
    const dead = watched.findIndex((p) => !isRunning(p.pid, p.command));
    if (dead >= 0) {
      died = names[dead];
      return true;
    }
    return check();
  }, startTimeoutMs, 200);
  if (died !== undefined) throw new Error(`${died} exited while waiting for ${what}:\n${await logTail(logFile(layout, died))}`);
  if (!ok) throw new Error(`timed out after ${startTimeoutMs / 1000}s waiting for ${what}`);
}

async function start(layout: ClusterLayout, c: Component | NodeComponent): Promise<ProcessRecord> {
  const { pid } = startDetached(c.command, c.args, logFile(layout, c.name), 'env' in c ? c.env : undefined);
  await recordPid(layout, c.name, pid, c.command);
  return { pid, command: c.command, args: c.args, port: c.port };
}

/** The files components read at start: kubeconfigs (admin and one per component) and kwok's config. */
async function writeComponentFiles(layout: ClusterLayout, ports: Ports): Promise<void> {
  await mkdir(dirname(kwokConfigFile(layout)), { recursive: true });
  await writeFile(kwokConfigFile(layout), kwokConfig);
  const pki = pkiFiles(layout.pki);
  const server = apiserverUrl(ports);
  const ofCert = (name: string, userName: string): string =>
    renderKubeconfig({ server, caFile: pki.caCert, userName, user: { clientCertificate: pki.cert(name).cert, clientKey: pki.cert(name).key } });
  await mkdir(layout.kubeconfigs, { recursive: true });
  await writeFile(layout.kubeconfig, ofCert('admin', 'berth-admin'), { mode: 0o600 });
  for (const name of ['kube-controller-manager', 'kube-scheduler', 'kwok', 'kubelet', 'kube-proxy'] as const) {
    await writeFile(componentKubeconfig(layout, name), ofCert(name, name), { mode: 0o600 });
  }
}

export interface UpResult {
  alreadyUp: boolean;
  state: ClusterState;
}

/** Starts the control plane unless it is already up. A half-up cluster is stopped and started afresh. */
export function up(layout: ClusterLayout, bins: Binaries): Promise<UpResult> {
  return withLock(lockFile(layout), () => upLocked(layout, bins));
}

/** Stops every recorded process (newest first), then forgets them and removes etcd's data. Returns what it stopped. */
export function down(layout: ClusterLayout): Promise<string[]> {
  return withLock(lockFile(layout), () => downLocked(layout));
}

function lockFile(layout: ClusterLayout): string {
  return join(layout.root, 'lock');
}

async function upLocked(layout: ClusterLayout, bins: Binaries): Promise<UpResult> {
  const existing = readState(layout);
  if (existing && (await isUp(layout))) return { alreadyUp: true, state: existing };
  await downLocked(layout);
  await rm(layout.logs, { recursive: true, force: true });
  for (const dir of [layout.root, layout.logs, layout.pids, layout.run, layout.etcdData]) await mkdir(dir, { recursive: true });
  await ensurePki(layout.pki);
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await freeLoopbackPorts(6);
  const ports: Ports = { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler!, kwok: kwok! };
  await writeComponentFiles(layout, ports);
  const withRealNode = realNodeWanted();
  const byName = new Map(components(layout, bins, ports, { podReachable: withRealNode }).map((c) => [c.name, c]));
  const the = (n: ComponentName): Component => byName.get(n)!;
  const state: ClusterState = { ports, processes: {}, nodes: fakeNodeNames(nodeCount), startedAt: new Date().toISOString() };
  const tls = adminTls(layout);
  const server = apiserverUrl(ports);
  try {
    // The host's record, the guard and the pod bridge before the apiserver listens where pods reach it.
    if (withRealNode) await prepareRealNodeHost(layout, bins, state);
    state.processes.etcd = await start(layout, the('etcd'));
    await waitFor(layout, 'etcd /health', () => etcdHealthy(`http://127.0.0.1:${ports.etcdClient}`), [state.processes.etcd], ['etcd']);
    state.processes['kube-apiserver'] = await start(layout, the('kube-apiserver'));
    const watchedSoFar = (): [ProcessRecord[], string[]] => {
      const entries = Object.entries(state.processes);
      return [entries.map(([, r]) => r), entries.map(([n]) => n)];
    };
    await waitFor(layout, 'kube-apiserver /readyz', () => apiserverReady(server, tls), ...watchedSoFar());
    for (const n of ['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) state.processes[n] = await start(layout, the(n));
    await writeState(layout, state);
    await runKubectl(bins.kubectl, layout.kubeconfig, ['apply', '-f', '-'], { input: JSON.stringify(fakeNodeList(state.nodes)) });
    await waitFor(layout, `${nodeCount} nodes Ready`, async () => {
      const list = (await apiGet(server, tls, '/api/v1/nodes')) as { items?: NodeLike[] } | undefined;
      const ready = new Set((list?.items ?? []).filter(isNodeReady).map((n) => n.metadata.name));
      return state.nodes.every((n) => ready.has(n));
    }, ...watchedSoFar());
    await waitFor(layout, 'the default ServiceAccount', async () => (await apiGet(server, tls, '/api/v1/namespaces/default/serviceaccounts/default')) !== undefined, ...watchedSoFar());
    await waitFor(layout, 'kube-scheduler and kube-controller-manager /healthz', async () => (await componentHealthy(ports.scheduler)) && (await componentHealthy(ports.controllerManager)), ...watchedSoFar());
    if (withRealNode) await startRealNode(layout, bins, state, watchedSoFar);
    return { alreadyUp: false, state };
  } catch (err) {
    await downLocked(layout).catch(() => undefined);
    throw err;
  }
}

async function downLocked(layout: ClusterLayout): Promise<string[]> {
  const recorded = await recordedProcesses(layout);
  const order = [...componentNames].reverse() as string[];
  const stopped: string[] = [];
  const stop = async (n: string): Promise<void> => {
    const rec = recorded.get(n);
    if (!rec) return;
    if (isRunning(rec.pid, rec.command)) stopped.push(n);
    await stopProcess(rec.pid, rec.command);
  };
  // The real node first: kubelet and kube-proxy, then the pods (so nothing restarts them), then containerd and
  // the registry, then the host as recorded before `up` changed it (also after a crashed `up`).
  await Promise.all(['kubelet', 'kube-proxy'].map(stop));
  const record = readHostRecord(layout);
  if (record) await killPods(record).catch(() => undefined);
  await stop('containerd');
  await stop('registry');
  await restoreHostState(layout);
  await rm(layout.node, { recursive: true, force: true });
  const names = [...recorded.keys()].filter((n) => order.includes(n)).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  // the apiserver's clients first, together; then the apiserver; then etcd
  const clients = names.filter((n) => n !== 'kube-apiserver' && n !== 'etcd');
  await Promise.all(clients.map(stop));
  for (const n of ['kube-apiserver', 'etcd']) await stop(n);
  await forgetProcesses(layout);
  if (existsSync(layout.etcdData)) await rm(layout.etcdData, { recursive: true, force: true });
  await rm(layout.run, { recursive: true, force: true });
  return stopped;
}

const exec = promisify(execFile);


interface NodeObject extends NodeLike {
  spec?: { taints?: { key: string; effect: string }[] };
}

/**
 * The host side of the real node, before the control plane starts: records the host state, installs the guard
 * (which also keeps the apiserver, listening for pods, closed to the uplink), makes the pod bridge.
 */
async function prepareRealNodeHost(layout: ClusterLayout, bins: Binaries, state: ClusterState): Promise<void> {
  const fixed = [...Object.values(realNodePorts), Number(registryAddress.split(':')[1])];
  for (const port of fixed) {
    if (await portOpen(port)) {
      throw new Error(`127.0.0.1:${port} is in use: a real node runs already on this machine (one per machine); BERTH_REAL_NODE=0 starts a cluster without one`);
    }
  }
  const p = nodePaths(layout);
  state.realNode = { name: realNodeName, registry: registryAddress };
  // the record first: from here on, `down` can undo whatever follows, even after a crash
  const record = await recordHostState(layout, p, bins.kubeProxy);
  await writeState(layout, state);
  await installGuard(record, [state.ports.apiserver]);
  // the pod bridge now, not at the first pod: servers on the host bind its address (Cluster.hostAddress)
  await exec('ip', ['link', 'add', bridgeName, 'type', 'bridge']);
  await exec('ip', ['addr', 'add', `${bridgeAddress}/24`, 'dev', bridgeName]);
  await exec('ip', ['link', 'set', bridgeName, 'up']);
}

/**
 * Starts the real node beside the fake ones: writes the node's files (and /etc/containerd), then the registry
 * (and the node's images), containerd, kube-proxy and the kubelet; resolves when the Node is Ready and schedulable.
 */
async function startRealNode(layout: ClusterLayout, bins: Binaries, state: ClusterState, watchedSoFar: () => [ProcessRecord[], string[]]): Promise<void> {
  const p = nodePaths(layout);
  const containerd = chosenContainerd();
  if (!existsSync(containerd.command)) throw new Error(`no containerd ${containerd.version} at ${containerd.command}: run e2e/toolchain/build.sh containerd`);
  await rm(p.dir, { recursive: true, force: true });
  for (const d of [p.dir, p.cniConfDir, p.cniIpamDir, p.kubeletRoot, p.containerdRoot, p.containerdState, p.volumePluginDir, layout.registryData]) await mkdir(d, { recursive: true });
  await writeFile(p.registryConfig, registryConfig(layout));
  await writeFile(join(p.cniConfDir, '10-berth.conflist'), cniConflist(p));
  await writeFile(p.resolvConf, resolvConf);
  await writeFile(p.kubeletConfig, kubeletConfig(layout, p));
  await writeFile(p.kubeProxyConfig, kubeProxyConfig(layout));
  await rm(etcContainerd, { recursive: true, force: true });
  await mkdir(containerdCertsDir, { recursive: true });
  state.realNode = { ...(state.realNode ?? { name: realNodeName, registry: registryAddress }), containerd: containerd.version };
  await writeFile(containerdConfigFile, containerdConfig(p, containerd.configVersion));
  await writeTree(containerdCertsDir, certsDFiles());

  const byName = new Map(nodeComponents(layout, bins, containerd).map((c) => [c.name, c]));
  const launch = async (n: (typeof nodeComponentNames)[number]): Promise<void> => {
    state.processes[n] = await start(layout, byName.get(n)!);
    await writeState(layout, state);
  };
  await launch('registry');
  await waitFor(layout, 'the cluster registry /v2/', () => httpAnswers(`http://${registryAddress}/v2/`).catch(() => false), ...watchedSoFar());
  await launch('containerd');
  const images = Promise.all([ensurePauseImage(bins.pause), ensureBusyboxImage()]);
  await waitFor(layout, 'containerd', () => exec('ctr', ['--address', p.containerdSocket, 'version']).then(() => true, () => false), ...watchedSoFar());
  await images;
  await launch('kube-proxy');
  await launch('kubelet');
  const server = apiserverUrl(state.ports);
  const tls = adminTls(layout);
  await waitFor(layout, `the real node ${realNodeName} Ready and schedulable`, async () => {
    const node = (await apiGet(server, tls, `/api/v1/nodes/${realNodeName}`)) as NodeObject | undefined;
    // schedulable: no taint left but the node's own (the not-ready taints go once the node controller sees it Ready)
    return node !== undefined && isNodeReady(node) && !(node.spec?.taints ?? []).some((t) => t.key !== realNodeTaint.key && (t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
  }, ...watchedSoFar());
  await waitFor(layout, 'kube-proxy /healthz', () => httpAnswers(`http://127.0.0.1:${realNodePorts.kubeProxyHealthz}/healthz`).catch(() => false), ...watchedSoFar());
}

/** Stops the apiserver and starts it again with the same flags and port; resolves when /readyz is ok again. */
export function restartApiserver(layout: ClusterLayout): Promise<void> {
  return withLock(lockFile(layout), () => restartApiserverLocked(layout));
}

async function restartApiserverLocked(layout: ClusterLayout): Promise<void> {
  const state = readState(layout);
  const rec = state?.processes['kube-apiserver'];
  if (!state || !rec) throw new Error('the local control plane is not up (no kube-apiserver recorded)');
  await stopProcess(rec.pid, rec.command);
  const { pid } = startDetached(rec.command, rec.args, logFile(layout, 'kube-apiserver'));
  state.processes['kube-apiserver'] = { ...rec, pid };
  await writeState(layout, state);
  await waitFor(layout, 'kube-apiserver /readyz after restart', () => apiserverReady(apiserverUrl(state.ports), adminTls(layout)), [state.processes['kube-apiserver']], ['kube-apiserver']);
}
