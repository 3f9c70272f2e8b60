// `./dev up` and `./dev down` as functions (main.ts and down.ts print; up.test.ts runs them once).
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chartTools } from '../chart/tools.ts';
import { operatorCommand } from '../chart/operator-process.ts';
import { staticVolume, TEST_STORAGE_CLASS } from '../chart/volumes.ts';
import { useCluster } from '../cluster/index.ts';
import { clusterLayout } from '../cluster/layout.ts';
import { down as clusterDown } from '../cluster/lifecycle.ts';
import { startContainerd } from '../containerd/containerd.ts';
import { buildImage } from '../images/build-image.ts';
import { pushImage } from '../images/skopeo.ts';
import { proxyCliCommand } from '../proxy/proxy.ts';
import { freePort } from '../testbed/ports.ts';
import { repoRoot } from '../testbed/repo.ts';
import { run } from '../testbed/run.ts';
import { httpAnswers, waitFor } from '../testbed/wait.ts';
import { CONTAINERD_CONFIG, DEMO_IMAGE, DEMO_REGISTRY, demoResources, nodeAgentConfig, registryConfig } from './demo.ts';
import { serviceRunning, startService, stopService } from './services.ts';
import { readUpState, removeUpDir, upDir, writeUpState, type UpService, type UpState } from './state.ts';
import { chooseTarget } from './target.ts';

const exec = promisify(execFile);
const DEFAULT_RELEASE = 'berth';
const DEFAULT_NAMESPACE = 'berth-system';
const DEMO_NAMESPACE = 'berth-demo';
const DEMO_VOLUME = 'berth-dev-up-demo';

export interface UpResult {
  state: UpState;
  /** `kubectl get regep,pcp -A` */
  table: string;
  /** The hosts.toml the node agent rendered for the demo registry. */
  hostsToml: string;
  /** The proxy's /_berth/stats after the pull. */
  stats: { artifacts: number; bytes: number; hits: number; misses: number };
}

export interface UpOptions {
  forceLocal: boolean;
  say: (line: string) => void;
  /** The Helm release and its namespace; default berth in berth-system (tests use their own, to share a cluster). */
  release?: string;
  namespace?: string;
}

export async function bringUp(opts: UpOptions): Promise<UpResult> {
  const { say } = opts;
  const release = opts.release ?? DEFAULT_RELEASE;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const root = repoRoot();
  const dir = upDir();
  if (readUpState()) throw new Error(`Berth is already up (${join(dir, 'state.json')}): run ./dev down first`);
  await mkdir(dir, { recursive: true });

  const target = await chooseTarget({ forceLocal: opts.forceLocal });
  say(`cluster: ${target.description}${target.startedCluster ? ' — started' : ''}`);
  const state: UpState = { mode: target.mode, startedCluster: target.startedCluster, kubeconfig: target.kubeconfig, release, namespace, demoNamespace: DEMO_NAMESPACE, services: {} };
  await writeUpState(state);
  const record = async (name: string, service: UpService) => {
    state.services[name] = service;
    await writeUpState(state);
    return service;
  };

  await target.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=berth-dev-up', '-f', join(root, 'crds')]);
  await target.kubectl(['wait', '--for=condition=Established', 'crd/registryendpoints.berth.dev', 'crd/proxycacheprojects.berth.dev', '--timeout=60s']);
  say('CRDs: registryendpoints.berth.dev, proxycacheprojects.berth.dev');

  // The chart brings the ServiceAccount and RBAC in both modes. On kwok nodes pods do not run containers, so the
  // Deployment is scaled to 0 and the operator runs here as a process, with that ServiceAccount's token.
  const helmArgs = ['upgrade', '--install', release, join(root, 'charts', 'berth'), '-n', namespace, '--create-namespace', '--kubeconfig', target.kubeconfig, '--wait', '--timeout', '5m'];
  if (target.mode === 'local') helmArgs.push('--set', 'operator.replicas=0');
  await exec(chartTools().helm, helmArgs);
  say(`Helm release ${release} in ${namespace}: CRDs, ServiceAccount, RBAC${target.mode === 'local' ? '' : ', operator Deployment'}`);

  const proxyPort = await freePort();
  if (target.mode === 'local') {
    const cluster = await useCluster();
    const kubeconfig = await cluster.serviceAccountKubeconfig(namespace, release);
    // Outside the cluster the operator cannot reach the proxy's Service: tell it where the demo's proxy answers, and
    // look again every few seconds so the cache figures show up in `kubectl get pcp` right after the pull.
    const extraArgs = [`--proxy-url=${DEMO_NAMESPACE}/demo=http://127.0.0.1:${proxyPort}`, '--resync-seconds=3'];
    const cmd = operatorCommand({ kubeconfig, namespace: namespace, metricsPort: await freePort(), extraArgs });
    const operator = await record('operator', startService({ ...cmd, logFile: join(dir, 'operator.log') }));
    say(`operator: a process on this machine (pid ${operator.pid}), as ServiceAccount ${namespace}/${release} — kwok nodes do not run containers; log ${operator.logFile}`);
  }

  // The upstream: a local docker-registry with a test image in it.
  const registryPort = await freePort();
  const registryData = join(dir, 'registry');
  await mkdir(registryData, { recursive: true });
  const registryConfigFile = join(dir, 'registry.yml');
  await writeFile(registryConfigFile, registryConfig(registryPort, registryData));
  const registry = await record('registry', startService({ command: '/usr/bin/docker-registry', args: ['serve', registryConfigFile], logFile: join(dir, 'registry.log') }));
  const upstream = `http://127.0.0.1:${registryPort}`;
  await waitFor(() => httpAnswers(`${upstream}/v2/`), { what: 'the upstream registry', timeoutMs: 30_000, abort: () => (serviceRunning(registry) ? undefined : `docker-registry exited; see ${registry.logFile}`) });
  const image = await buildImage({ layerSizes: [2_000_000, 500_000] });
  try {
    await pushImage(image, `127.0.0.1:${registryPort}/library/demo:v1`);
  } finally {
    await image.dispose();
  }
  say(`upstream: docker-registry at ${upstream} with library/demo:v1 (${image.manifestDigest})`);

  // The cache, as a process on this machine.
  await mkdir(join(dir, 'cache'), { recursive: true });
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const cli = proxyCliCommand();
  const proxy = await record('proxy', startService({
    command: cli.command,
    args: [...cli.args, 'serve', '--listen', `127.0.0.1:${proxyPort}`, '--storage', join(dir, 'cache'), '--upstream', `${DEMO_REGISTRY}=${upstream}`],
    cwd: cli.cwd,
    logFile: join(dir, 'proxy.log'),
  }));
  await waitFor(() => httpAnswers(`${proxyUrl}/readyz`), { what: 'berth-proxy /readyz', timeoutMs: 60_000, abort: () => (serviceRunning(proxy) ? undefined : `berth-proxy exited; see ${proxy.logFile}`) });
  say(`cache: berth-proxy at ${proxyUrl}, serving ${DEMO_REGISTRY} from ${upstream}`);

  // kwok clusters have no volume provisioner: the local demo gets a static volume bound ahead to its claim
  const local = target.mode === 'local';
  if (local) await target.kubectl(['apply', '-f', '-'], staticVolume({ name: DEMO_VOLUME, namespace: DEMO_NAMESPACE, claim: 'berth-demo', size: '1Gi' }));
  await target.kubectl(['apply', '--server-side', '--field-manager=berth-dev-up', '-f', '-'], demoResources(DEMO_NAMESPACE, upstream, local ? TEST_STORAGE_CLASS : undefined));
  await target.kubectl(['wait', '-n', DEMO_NAMESPACE, '--for=condition=Ready', 'registryendpoint/demo', 'proxycacheproject/demo', '--timeout=180s']).catch(async (err: Error) => {
    const log = state.services.operator ? await readFile(state.services.operator.logFile, 'utf8').catch(() => '') : '';
    throw new Error(`${err.message}${log ? `\noperator log (end):\n${log.slice(-3000)}` : ''}`);
  });
  say(`RegistryEndpoint and ProxyCacheProject ${DEMO_NAMESPACE}/demo: Ready`);

  // What a node does: the node agent renders hosts.toml, containerd pulls through the cache.
  const hostRoot = join(dir, 'node');
  await mkdir(join(hostRoot, 'etc', 'containerd'), { recursive: true });
  await writeFile(join(hostRoot, 'etc', 'containerd', 'config.toml'), CONTAINERD_CONFIG);
  const agentConfig = join(dir, 'node-agent.yaml');
  await writeFile(agentConfig, nodeAgentConfig({ namespace: DEMO_NAMESPACE, mirror: proxyUrl, upstream }));
  await run(cli.command, [...cli.args, 'node-agent', '--config', agentConfig, '--host-root', hostRoot, '--once', '--state-dir', join(dir, 'node-agent-state')], { cwd: cli.cwd });
  const hostsDir = join(hostRoot, 'etc', 'containerd', 'certs.d');
  const hostsToml = await readFile(join(hostsDir, DEMO_REGISTRY, 'hosts.toml'), 'utf8');
  say(`node agent: wrote ${join(hostsDir, DEMO_REGISTRY, 'hosts.toml')}`);
  const containerd = await startContainerd();
  try {
    await containerd.pull(DEMO_IMAGE, { hostsDir });
  } finally {
    await containerd.stop();
  }
  const stats = (await (await fetch(`${proxyUrl}/_berth/stats`)).json()) as UpResult['stats'];
  say(`containerd pulled ${DEMO_IMAGE} through the cache (${DEMO_REGISTRY} resolves nowhere): ${stats.artifacts} artifacts, ${stats.bytes} bytes cached`);

  if (local) {
    // The operator reads the proxy's figures into status (CACHED, HIT%) on its next look.
    await target.kubectl(['wait', '-n', DEMO_NAMESPACE, '--for=jsonpath={.status.cache.artifacts}=' + String(stats.artifacts), 'proxycacheproject/demo', '--timeout=60s']).catch(() => undefined);
  }
  const table = await target.kubectl(['get', 'regep,pcp', '-A']);
  return { state, table, hostsToml, stats };
}

/** Stops what `bringUp` started (and only that); returns what it did, for the output. */
export async function tearDown(): Promise<string[]> {
  const state = readUpState();
  if (!state) return [];
  const done: string[] = [];
  const stopServices = async () => {
    for (const name of ['operator', 'proxy', 'registry']) {
      const service = state.services[name];
      if (!service) continue;
      await stopService(service);
      done.push(`stopped ${name} (pid ${service.pid})`);
    }
  };
  if (state.startedCluster) {
    await stopServices();
    await clusterDown(clusterLayout());
    done.push('stopped the local control plane');
  } else {
    // the demo goes first, while the operator still runs: its finalizer has to be released before the namespace goes
    const kubectl = async (args: string[]) => {
      if (state.mode === 'local') await (await useCluster()).kubectl(args);
      else await exec('kubectl', ['--kubeconfig', state.kubeconfig, ...args]);
    };
    await kubectl(['delete', 'namespace', state.demoNamespace, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    if (state.mode === 'local') await kubectl(['delete', 'pv', DEMO_VOLUME, '--ignore-not-found']).catch(() => undefined);
    await stopServices();
    await exec(chartTools().helm, ['uninstall', state.release, '-n', state.namespace, '--kubeconfig', state.kubeconfig, '--wait']).catch(() => undefined);
    done.push(`removed ${state.demoNamespace} and the Helm release ${state.release} (CRDs kept)`);
  }
  await removeUpDir();
  return done;
}
