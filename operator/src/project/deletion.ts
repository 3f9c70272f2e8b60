// A project being deleted, through its finalizer: the node agents hand the registry back to the runtimes first
// (the nodes must not keep pulling from a cache about to go), then the children go, then the finalizer.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FINALIZER, type ProxyCacheProject } from '../api/index.ts';
import { mergeConditions, sameConditions } from '../kube/conditions.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { HandlerResult } from '../kube/workqueue.ts';
import type { Logger } from '../observe/logger.ts';
import type { NodeMirrorView } from './node-mirror-view.ts';
import { statusRef } from './status-write.ts';

export interface DeletionDeps {
  kube: KubeClient;
  nodeMirror: NodeMirrorView;
  /** Removes the project's children, or, for a member of a shared cache with others left, rewrites the cache without it. */
  releaseChildren: (project: ProxyCacheProject) => Promise<void>;
  log: Logger;
  now: () => Date;
}

// Reports arriving wake a deleted project at once (the reports watch); this is only the safety net.
const CLEANUP_POLL_MS = 15_000;

export async function finalizeProject(deps: DeletionDeps, project: ProxyCacheProject & KubernetesObject): Promise<HandlerResult> {
  const namespace = project.metadata.namespace ?? '';
  const name = project.metadata.name ?? '';
  const finalizers = project.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return {};
  await deps.nodeMirror.projectsChanged();
  const cleanup = deps.nodeMirror.cleanup(project, deps.now());
  if (!cleanup.done) {
    await showCleanup(deps, project, cleanup.message);
    return { requeueAfterMs: CLEANUP_POLL_MS };
  }
  if (cleanup.abandoned) {
    const message = `node agents on ${cleanup.abandoned.join(', ')} did not report back in time: their runtime config may still name this cache`;
    deps.log.warn('releasing the finalizer without node mirror cleanup', { namespace, name, nodes: cleanup.abandoned });
    await deps.kube.event({ regarding: project, type: 'Warning', reason: 'NodeMirrorCleanupAbandoned', message }).catch(() => undefined);
  }
  await deps.releaseChildren(project);
  await deps.kube.setFinalizers(statusRef(project), finalizers.filter((f) => f !== FINALIZER), project.metadata.resourceVersion);
  deps.log.info('project deleted: children removed, finalizer released', { namespace, name });
  return {};
}

/** While node agents clean up, NodeMirrorReady says on which nodes the deletion waits (written only when that changed). */
async function showCleanup(deps: DeletionDeps, project: ProxyCacheProject, message: string): Promise<void> {
  const generation = project.metadata.generation ?? 0;
  const conditions = mergeConditions(project.status?.conditions, [{ type: 'NodeMirrorReady', status: 'False', reason: 'CleaningUp', message }], generation, deps.now());
  if (sameConditions(project.status?.conditions, conditions)) return;
  const ref = statusRef(project);
  await deps.kube.patchStatus(ref, { ...project.status, conditions });
  deps.log.info('project deleted: waiting for node mirror cleanup', { namespace: ref.namespace, name: ref.name, message });
}
