// How the proxy pods are replaced. A shared store (a bucket, or a ReadWriteMany volume) lets a new pod start beside
// the old one, so the Deployment rolls one pod at a time and the PodDisruptionBudget keeps one serving; a
// ReadWriteOnce volume is replaced (Recreate), a short outage that node runtimes ride out through hosts.toml's
// fallback to the upstream.
//
// Leaving, a pod keeps serving for preStopSeconds while the endpoint controller and kube-proxy take it out of the
// Service (a pod that stopped at once would refuse the connections still routed to it); then SIGTERM makes the proxy
// stop accepting and finish its requests in flight, for up to its own grace of 25 s (proxy/src/app.ts stop()).
import type { ProxyCacheProject } from '../api/index.ts';

export const DRAIN = {
  preStopSeconds: 5,
  /** preStop + the proxy's 25 s drain + room for the rest of its shutdown. */
  terminationGracePeriodSeconds: 40,
} as const;

/** Whether every replica reads and writes one store, so pods can run side by side. */
export function sharedStorage(project: ProxyCacheProject): boolean {
  return project.spec.storage?.s3 !== undefined || project.spec.storage?.accessMode === 'ReadWriteMany';
}
