// What the node mirror side (operator/src/nodemirror/sync.ts) offers the project reconciler.
import type { ProxyCacheProject } from '../api/index.ts';
import type { CleanupState } from '../nodemirror/cleanup.ts';
import type { NodeMirrorSummary } from '../nodemirror/summarize.ts';

export interface NodeMirrorView {
  /** The project's node figures and NodeMirrorReady condition; undefined when nodeMirror is off. */
  summarize(project: ProxyCacheProject): Promise<NodeMirrorSummary | undefined>;
  /** The set of mirrored projects may have changed: re-render the node agent's configuration. */
  projectsChanged(): Promise<void>;
  /** For a deleted project: whether the node agents have handed its registry back to the runtimes. */
  cleanup(project: ProxyCacheProject, now: Date): CleanupState;
}
