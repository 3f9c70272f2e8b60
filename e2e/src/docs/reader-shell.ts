// Runs a document's shell block the way a reader would on their own cluster: bash -euo pipefail in the repository,
// with the pinned kubectl and helm first on PATH, KUBECONFIG the local cluster's and the variables the text asks
// the reader to set (REGISTRY…). The local cluster stands in for the reader's.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { toolPath } from '../chart/tools.ts';
import { requireBinaries } from '../cluster/layout.ts';
import type { Cluster } from '../cluster/index.ts';
import { repoRoot } from '../testbed/repo.ts';
import { run } from '../testbed/run.ts';
import { tempDir, type TempDir } from '../testbed/temp.ts';

export interface ReaderShell {
  /** Runs one block (in the repository, or `cwd` for blocks that write files); resolves with its stdout, rejects
   * with CommandError (stderr included). */
  run(block: string, vars?: Record<string, string>, cwd?: string): Promise<string>;
  remove(): Promise<void>;
}

export async function readerShell(cluster: Cluster): Promise<ReaderShell> {
  const bin: TempDir = await tempDir('berth-reader-bin');
  await symlink(requireBinaries().kubectl, join(bin.path, 'kubectl'));
  await symlink(toolPath('helm'), join(bin.path, 'helm'));
  const env = { ...process.env, PATH: `${bin.path}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfig };
  return {
    run: (block, vars = {}, cwd = repoRoot()) => run('bash', ['-euo', 'pipefail', '-c', block], { cwd, env: { ...env, ...vars } }),
    remove: () => bin.remove(),
  };
}

/**
 * Makes the local cluster look like a reader's that has no Berth yet: no berth-caches namespace (an earlier suite's
 * may still be going away), and berth-system's pods sent to the real node — the one step a real cluster does not need.
 */
export async function freshReaderCluster(cluster: Cluster): Promise<void> {
  await cluster.realNodeNamespace('berth-system');
  await cluster.kubectl(['delete', 'namespace', 'berth-caches', '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

/** Undoes what a reader's install made: the caches' namespace, the release and its namespace. Never throws. */
export async function removeReaderInstall(cluster: Cluster): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', 'berth-caches', '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
  await run(toolPath('helm'), ['uninstall', 'berth', '-n', 'berth-system', '--kubeconfig', cluster.kubeconfig, '--wait']).catch(() => undefined);
  await cluster.kubectl(['delete', 'namespace', 'berth-system', '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(() => undefined);
}
