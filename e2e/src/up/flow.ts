// `./dev up` and `./dev down` as functions (main.ts and down.ts print; up.test.ts runs them once).
//
// Local mode (no kube context, or BERTH_LOCAL): the local control plane with its real node; Berth's images built
// and pushed to the cluster's registry; `helm upgrade --install --wait`; an upstream registry holding
// docker.io/library/demo:v1 (an image that exists nowhere else); a cache of docker.io mirrored on the node; and a
// workload Deployment of that image, which reaches Running because the node pulled it through Berth.
// Context mode (the current kube context): the same with the user's cluster, which needs a registry its nodes pull
// from (BERTH_REGISTRY) and an upstream it reaches (BERTH_UPSTREAM, default Docker Hub) — see contextInputs().
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chartTools } from '../chart/tools.ts';
import { useCluster } from '../cluster/index.ts';
import { clusterLayout } from '../cluster/layout.ts';
import { down as clusterDown } from '../cluster/lifecycle.ts';
import { buildImage } from '../images/build-image.ts';
import { pushImage } from '../images/skopeo.ts';
import { allowNodeMirror, cacheProject, cacheVolume } from '../install/projects.ts';
import { installBerth } from '../install/release.ts';
import { podsOf, rolledOut, workloadManifest } from '../install/workloads.ts';
import { freePort } from '../testbed/ports.ts';
import { run } from '../testbed/run.ts';
import { httpAnswers, waitFor } from '../testbed/wait.ts';
import { registryConfig } from './demo.ts';
import { serviceRunning, startService, stopService } from './services.ts';
import { readUpState, removeUpDir, upDir, writeUpState, type UpService, type UpState } from './state.ts';
import { chooseTarget } from './target.ts';

const DEFAULT_RELEASE = 'berth';
const DEFAULT_NAMESPACE = 'berth-system';
const DEMO_NAMESPACE = 'berth-demo';
const DEMO_PROJECT = 'demo';
/** The workload's image: docker.io, whose every pull on the node goes to the cache first. */
export const DEMO_WORKLOAD_IMAGE = 'docker.io/library/demo:v1';

export interface UpResult {
  state: UpState;
  /** `kubectl get regep,pcp -A` */
  table: string;
  /** `kubectl get pods -o wide` of the demo workload */
  workload: string;
}

export interface UpOptions {
  forceLocal: boolean;
  say: (line: string) => void;
  /** The Helm release and its namespace; default berth in berth-system. */
  release?: string;
  namespace?: string;
}

export async function bringUp(opts: UpOptions): Promise<UpResult> {
  const { say } = opts;
  const release = opts.release ?? DEFAULT_RELEASE;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const dir = upDir();
  if (readUpState()) throw new Error(`Berth is already up (${join(dir, 'state.json')}): run ./dev down first`);
  await mkdir(dir, { recursive: true });

  const target = await chooseTarget({ forceLocal: opts.forceLocal });
  if (target.mode === 'context') {
    throw new Error(
      `./dev up found the kube context ${target.description}. Installing Berth on your own cluster takes a registry its nodes ` +
        'can pull from: follow README "Install on your cluster" (./dev images --push REGISTRY, helm install, kubectl apply). ' +
        'To run the local demo instead, run BERTH_LOCAL=1 ./dev up.',
    );
  }
  say(`cluster: ${target.description}${target.startedCluster ? ' — started' : ''}`);
  const state: UpState = { mode: target.mode, startedCluster: target.startedCluster, kubeconfig: target.kubeconfig, release, namespace, demoNamespace: DEMO_NAMESPACE, services: {} };
  await writeUpState(state);
  const record = async (name: string, service: UpService) => {
    state.services[name] = service;
    await writeUpState(state);
    return service;
  };
  const cluster = await useCluster();

  const berth = await installBerth(cluster, { release, namespace, set: ['operator.extraArgs={--resync-seconds=5}'] });
  say(`images: ${berth.images.operator}, ${berth.images.proxy} (built here, pushed to the cluster's registry)`);
  say(`helm upgrade --install ${release}: the operator runs on the real node ${cluster.realNode.name}`);

  // The upstream: a docker-registry on the node's pod-network address (pods cannot reach the host's loopback).
  const registryPort = await freePort();
  const registryData = join(dir, 'registry');
  await mkdir(registryData, { recursive: true });
  const registryConfigFile = join(dir, 'registry.yml');
  await writeFile(registryConfigFile, registryConfig(`${cluster.hostAddress}:${registryPort}`, registryData));
  const registry = await record('registry', startService({ command: '/usr/bin/docker-registry', args: ['serve', registryConfigFile], logFile: join(dir, 'registry.log') }));
  const upstream = `http://${cluster.hostAddress}:${registryPort}`;
  await waitFor(() => httpAnswers(`${upstream}/v2/`), { what: 'the upstream registry', timeoutMs: 30_000, abort: () => (serviceRunning(registry) ? undefined : `docker-registry exited; see ${registry.logFile}`) });
  const image = await buildImage({ layerSizes: [2_000_000, 500_000], runnable: true });
  try {
    await pushImage(image, `${cluster.hostAddress}:${registryPort}/library/demo:v1`);
  } finally {
    await image.dispose();
  }
  say(`upstream: docker-registry at ${upstream} holding library/demo:v1 — the only place that image exists`);

  await cluster.realNodeNamespace(DEMO_NAMESPACE);
  await allowNodeMirror(cluster, DEMO_NAMESPACE); // a cluster admin's opt-in: its projects mirror onto nodes
  await cacheVolume(cluster, { namespace: DEMO_NAMESPACE, project: DEMO_PROJECT, size: '2Gi' });
  await cluster.kubectl(['apply', '-f', '-'], { input: cacheProject({ namespace: DEMO_NAMESPACE, name: DEMO_PROJECT, registry: 'docker.io', upstreamUrl: upstream, nodeSelector: cluster.realNode.labels }) });
  await cluster.kubectl(['wait', '-n', DEMO_NAMESPACE, '--for=condition=Ready', `registryendpoint/${DEMO_PROJECT}`, `proxycacheproject/${DEMO_PROJECT}`, '--timeout=240s']);
  say(`RegistryEndpoint and ProxyCacheProject ${DEMO_NAMESPACE}/${DEMO_PROJECT}: Ready; the node agent points the node's containerd at the cache for docker.io`);

  await cluster.realNode.removeImage(DEMO_WORKLOAD_IMAGE); // an earlier demo's, so this one is pulled through Berth
  await cluster.kubectl(['apply', '-f', '-'], { input: workloadManifest({ name: 'demo', namespace: DEMO_NAMESPACE, image: DEMO_WORKLOAD_IMAGE }) });
  await rolledOut(cluster, DEMO_NAMESPACE, 'demo', '240s');
  const [pod] = await podsOf(cluster, DEMO_NAMESPACE, 'demo');
  say(`workload: ${DEMO_WORKLOAD_IMAGE} Running on ${pod?.nodeName} (${pod?.containerId.slice(0, 25)}…), pulled through Berth`);
  // the operator reads the cache's figures into status (CACHED, HIT%) on its next look
  await waitFor(async () => Number(await cluster.kubectl(['get', 'pcp', DEMO_PROJECT, '-n', DEMO_NAMESPACE, '-o', 'jsonpath={.status.cache.artifacts}'])) > 0, { what: 'the cache figures in status', timeoutMs: 60_000 }).catch(() => undefined);
  const workload = await cluster.kubectl(['get', 'pods', '-n', DEMO_NAMESPACE, '-l', 'app=demo', '-o', 'wide']);
  const table = await cluster.kubectl(['get', 'regep,pcp', '-A']);
  return { state, table, workload };
}

/** Stops what `bringUp` started (and only that); returns what it did, for the output. */
export async function tearDown(): Promise<string[]> {
  const state = readUpState();
  if (!state) return [];
  const done: string[] = [];
  if (!state.startedCluster) {
    const cluster = await useCluster();
    // the demo goes first, while the operator still runs: it releases the finalizer and restores the node's files
    await cluster.kubectl(['delete', 'namespace', state.demoNamespace, '--ignore-not-found', '--wait=true', '--timeout=180s']).catch(() => undefined);
    await cluster.kubectl(['delete', 'pv', `${state.demoNamespace}-${DEMO_PROJECT}`, '--ignore-not-found']).catch(() => undefined);
    await run(chartTools().helm, ['uninstall', state.release, '-n', state.namespace, '--kubeconfig', state.kubeconfig, '--wait']).catch(() => undefined);
    await cluster.kubectl(['delete', 'namespace', state.namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
    done.push(`removed ${state.demoNamespace} and the Helm release ${state.release} (CRDs kept)`);
  }
  for (const [name, service] of Object.entries(state.services)) {
    await stopService(service);
    done.push(`stopped ${name} (pid ${service.pid})`);
  }
  if (state.startedCluster) {
    await clusterDown(clusterLayout());
    done.push('stopped the local control plane and its real node');
  }
  await removeUpDir();
  return done;
}
