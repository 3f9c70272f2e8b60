// Small readers over `kubectl get -o json` for the operator's real tests (a suite's namespace, CRDs and RBAC:
// test-namespace.ts).
import { waitFor, type Cluster } from '@berth/e2e';

export async function getJson<T = Record<string, unknown>>(cluster: Cluster, args: string[]): Promise<T | undefined> {
  try {
    return JSON.parse(await cluster.kubectl(['get', ...args, '-o', 'json'])) as T;
  } catch (error) {
    if (/NotFound|not found/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export interface Conditioned {
  metadata: { generation?: number; finalizers?: string[] };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason: string; message: string }[] };
}

export function condition(obj: Conditioned | undefined, type: string) {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the object's condition has `status` for its current generation. */
export async function waitForCondition(cluster: Cluster, ref: string[], type: string, status: string, timeoutMs = 90_000): Promise<Conditioned> {
  return waitFor(async () => {
    const obj = await getJson<Conditioned>(cluster, ref);
    const c = condition(obj, type);
    return obj && c?.status === status && obj.status?.observedGeneration === obj.metadata.generation ? obj : undefined;
  }, { what: `${ref.join(' ')} ${type}=${status}`, timeoutMs, intervalMs: 250 });
}

/** Applies YAML and resolves with kubectl's stderr when the apiserver refuses it. */
export async function applyRefused(cluster: Cluster, yaml: string): Promise<string> {
  try {
    await cluster.kubectl(['apply', '-f', '-'], { input: yaml });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('kubectl apply was accepted, expected a refusal');
}
