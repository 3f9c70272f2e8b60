// Node mirror cleanup before a project's finalizer is released: its registry must first be handed back to the
// runtimes, i.e. every node whose agent last reported it as configured has since applied a config without it
// (and so restored the files it had replaced). A node that never reports again (its agent is gone, the node is
// broken) must not hold a deletion forever: after a grace period the finalizer is released anyway.
import type { V1Node } from '@kubernetes/client-node';
import type { ProxyCacheProject } from '../api/index.ts';
import { projectKey } from './conflicts.ts';
import type { NodeReport } from './summarize.ts';

/** How long a deleted project waits for node agents before its finalizer is released regardless. */
export const CLEANUP_GRACE_MS = 10 * 60_000;

export type CleanupState =
  | { done: true; abandoned?: string[] }
  | { done: false; waitingFor: string[]; message: string };

/** Whether the node agents are done with a deleted project; `now` against its deletionTimestamp bounds the wait. */
export function nodeMirrorCleanup(project: ProxyCacheProject, reports: NodeReport[], nodes: V1Node[], now: Date, graceMs = CLEANUP_GRACE_MS): CleanupState {
  const key = projectKey(project);
  const existing = new Set(nodes.map((n) => n.metadata?.name));
  // Reports of nodes that are gone are stale: no runtime is left there to restore.
  const waitingFor = reports
    .filter((r) => existing.has(r.node) && r.registries.some((e) => e.project === key))
    .map((r) => r.node)
    .sort();
  if (waitingFor.length === 0) return { done: true };
  const deleted = project.metadata.deletionTimestamp ? new Date(project.metadata.deletionTimestamp).getTime() : now.getTime();
  if (now.getTime() - deleted >= graceMs) return { done: true, abandoned: waitingFor };
  const shown = waitingFor.slice(0, 3).join(', ') + (waitingFor.length > 3 ? ` and ${waitingFor.length - 3} more` : '');
  return {
    done: false,
    waitingFor,
    message: `waiting for the node agents on ${shown} to restore the runtime config before releasing the finalizer`,
  };
}
