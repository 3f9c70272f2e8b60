// A namespace of a suite's own on the shared local control plane, and its teardown. The suite's operator watches
// only this namespace and keeps its Lease and node agent objects in it (operator namespace = watched namespace),
// with operator/config/rbac.yaml's rules bound to its own ServiceAccount: two test files (or a test file and a
// measurement) never see, reconcile or fight over each other's objects, nor berth-system.
// Teardown deletes the projects while an operator still runs, so its finalizer does the real cleanup; only what
// is left after that (a failed test, a dead operator) has its finalizer dropped, so that the namespace goes and
// is never left Terminating.
import { join } from 'node:path';
import { repoRoot, waitFor, type Cluster } from '@berth/e2e';
import { namespacedRbac } from './namespaced-rbac.ts';

export interface TestNamespace {
  readonly name: string;
  /** `kind/name` of cluster-scoped objects to delete with the namespace (its RBAC, PersistentVolumes). */
  readonly clusterScoped: string[];
}

async function installCrds(cluster: Cluster): Promise<void> {
  await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot(), 'crds')]);
  for (const crd of ['registryendpoints.berth.dev', 'proxycacheprojects.berth.dev']) {
    // Polled, not `kubectl wait --for=condition=Established`: on a CRD created a moment ago, with no conditions yet,
    // that exits 1 at once ("<nil> is of the type <nil>") instead of waiting.
    const established = ['get', `crd/${crd}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'];
    await waitFor(async () => (await cluster.kubectl(established)).trim() === 'True', { what: `${crd} Established`, timeoutMs: 60_000, intervalMs: 200 });
  }
}

/** CRDs, the namespace, and the shipped RBAC moved into it. */
export async function createTestNamespace(cluster: Cluster, name: string): Promise<TestNamespace> {
  await installCrds(cluster);
  await cluster.kubectl(['create', 'namespace', name]);
  const rbac = await namespacedRbac(name);
  await cluster.kubectl(['apply', '-f', '-'], { input: rbac.yaml });
  return { name, clusterScoped: [...rbac.clusterScoped] };
}

export interface TeardownOptions {
  /** Whether an operator is still running to release the projects' finalizers. */
  operatorRunning: () => boolean;
  /** Stops the suite's operators; called once the projects are gone (or the wait for them gave up). */
  stopOperators: () => Promise<void>;
  /** How long the operator gets to delete the projects. */
  projectsTimeoutMs?: number;
  log?: (line: string) => void;
}

const names = async (cluster: Cluster, args: string[]) =>
  (await cluster.kubectl(['get', ...args, '-o', 'name']).catch(() => '')).split('\n').filter(Boolean);

/** Deletes everything the suite created; never throws (an after hook must not hide the tests' own failure). */
export async function deleteTestNamespace(cluster: Cluster, ns: TestNamespace, opts: TeardownOptions): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await cluster.kubectl(['delete', 'pcp', '--all', '-n', ns.name, '--wait=false']).catch(() => undefined);
  if (opts.operatorRunning()) {
    await waitFor(async () => (await names(cluster, ['pcp', '-n', ns.name])).length === 0, {
      what: `the operator to delete the projects in ${ns.name}`,
      timeoutMs: opts.projectsTimeoutMs ?? 60_000,
      intervalMs: 500,
      abort: () => (opts.operatorRunning() ? undefined : 'no operator running'),
    }).catch((error: unknown) => log(`teardown: ${(error as Error).message}; dropping their finalizers`));
  }
  await opts.stopOperators().catch((error: unknown) => log(`teardown: stopping the operators: ${(error as Error).message}`));
  for (const project of await names(cluster, ['pcp', '-n', ns.name])) {
    await cluster.kubectl(['patch', project, '-n', ns.name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => undefined);
  }
  await cluster.kubectl(['delete', 'namespace', ns.name, '--ignore-not-found', '--wait=true', '--timeout=120s']).catch(async (error: unknown) => {
    const state = await cluster.kubectl(['get', 'namespace', ns.name, '-o', 'jsonpath={.status}']).catch(() => '');
    log(`teardown: namespace ${ns.name} not gone: ${(error as Error).message} ${state}`);
  });
  for (const obj of ns.clusterScoped) await cluster.kubectl(['delete', obj, '--ignore-not-found', '--wait=false']).catch(() => undefined);
}
