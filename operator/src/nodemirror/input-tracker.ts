// Which watch events change what the node agent renders. The agent's config is rendered from every mirroring
// project, so rendering it again for each project's reconcile costs O(n) each, O(n²) per resync. Instead the
// rendering is kept until an event changes one of its inputs: a mirroring project's fields the config is built
// from, an endpoint's spec (its upstream URL), the allowed namespaces. A status write that only moves the cache's
// hit counts, or an endpoint's probe time, leaves it as it is.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import { ChangeFilter } from '../kube/change-filter.ts';
import type { WatchVerb } from '../kube/informer.ts';

/** What of a project desiredNodeAgent reads; one string for every project that does not mirror. */
function projectInputs(p: ProxyCacheProject): string {
  if (p.spec.nodeMirror?.enabled !== true) return 'off';
  return JSON.stringify([
    p.spec.nodeMirror, p.spec.registry, p.spec.endpointRef.name, p.status?.registry, p.status?.urls?.nodeMirror,
    p.metadata.creationTimestamp, p.metadata.deletionTimestamp !== undefined,
  ]);
}

/** What of an endpoint resolveEndpoint reads. */
function endpointInputs(e: RegistryEndpoint): string {
  return JSON.stringify(e.spec);
}

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class InputTracker {
  private readonly projects = new ChangeFilter<ProxyCacheProject>(projectInputs, 'off');
  private readonly endpoints = new ChangeFilter<RegistryEndpoint>(endpointInputs);
  private changed = true;

  /** True when this event changed what the agent renders from the project. */
  project(p: ProxyCacheProject, verb: WatchVerb): boolean {
    return this.note(this.projects.changed(keyOf(p as KubernetesObject), p, verb));
  }

  /** True when this event changed the endpoint's spec. */
  endpoint(e: RegistryEndpoint, verb: WatchVerb): boolean {
    return this.note(this.endpoints.changed(keyOf(e as KubernetesObject), e, verb));
  }

  /** The allowed namespaces changed (the watch selects the label: any event of it is a change). */
  namespaces(): void {
    this.changed = true;
  }

  /** True once after any change since the last call: the caller renders again. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  private note(changed: boolean): boolean {
    if (changed) this.changed = true;
    return changed;
  }
}
