// Workloads on the real node, as the seed scenarios run them: a Deployment of one image, the kubelet's own pull
// figure ("Successfully pulled … in X"), and the image taken off the node so that the next start pulls again.
import type { Cluster } from '../cluster/index.ts';

/** A one-replica Deployment of `image` on the real node; the pod's program must run (see buildImage's runnable). */
export function workloadManifest(opts: { name: string; namespace: string; image: string }): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: opts.name } },
      template: {
        metadata: { labels: { app: opts.name } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: opts.image, imagePullPolicy: 'IfNotPresent' }],
        },
      },
    },
  });
}

export interface PodInfo {
  name: string;
  phase: string;
  nodeName: string;
  containerId: string;
  ready: boolean;
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; containerStatuses?: { containerID?: string; ready?: boolean }[] };
}

export async function podsOf(cluster: Cluster, namespace: string, app: string): Promise<PodInfo[]> {
  const list = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', namespace, '-l', `app=${app}`, '-o', 'json'])) as { items: PodJson[] };
  return list.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      phase: p.status.phase ?? '',
      nodeName: p.spec.nodeName ?? '',
      containerId: p.status.containerStatuses?.[0]?.containerID ?? '',
      ready: p.status.containerStatuses?.[0]?.ready ?? false,
    }));
}

/** Waits for the Deployment's rollout; on failure the error carries the pods' events (ErrImagePull and why). */
export async function rolledOut(cluster: Cluster, namespace: string, name: string, timeout = '180s'): Promise<void> {
  await cluster.kubectl(['rollout', 'status', `deployment/${name}`, '-n', namespace, `--timeout=${timeout}`]).catch(async (err: Error) => {
    const events = await cluster.kubectl(['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp']).catch(() => '');
    throw new Error(`${err.message}\n${events.split('\n').slice(-12).join('\n')}`);
  });
}

/** Scales the Deployment and waits until exactly `replicas` pods are left (none terminating). */
export async function scale(cluster: Cluster, namespace: string, name: string, replicas: number): Promise<void> {
  await cluster.kubectl(['scale', `deployment/${name}`, '-n', namespace, `--replicas=${replicas}`]);
  if (replicas > 0) return;
  await cluster.kubectl(['wait', '--for=delete', 'pod', '-n', namespace, '-l', `app=${name}`, '--timeout=120s']).catch((err: Error) => {
    if (!/no matching resources/i.test(err.message)) throw err; // already gone
  });
}

/** Seconds, from the kubelet's duration text: "1.234s", "567ms", "1m2.5s", "834.1µs". */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  if (matched !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

/** The kubelet's figure for one pull: `Successfully pulled image "X" in 1.2s (1.2s including waiting)…`. */
export function pulledSeconds(message: string): number | undefined {
  const m = /^Successfully pulled image "[^"]+" in (\S+?) \(/.exec(message);
  return m ? parseGoDuration(m[1]!) : undefined;
}

/** The kubelet's "Successfully pulled" figure for the pod, once its Pulled event is there. */
export async function kubeletPullSeconds(cluster: Cluster, namespace: string, pod: string): Promise<number | undefined> {
  const events = JSON.parse(await cluster.kubectl(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${pod},reason=Pulled`, '-o', 'json'])) as { items: { message: string }[] };
  for (const e of events.items) {
    const s = pulledSeconds(e.message);
    if (s !== undefined) return s;
  }
  return undefined;
}
