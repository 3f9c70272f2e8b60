// Writing what a reconcile observed: the status by merge patch, only when it says something new (a status write
// comes back as a watch event, and a write per resync per project is load the apiserver does not need), and an
// Event when Ready changes.
import type { KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, PROXY_CACHE_PROJECT, type ProxyCacheProject, type ProxyCacheProjectStatus } from '../api/index.ts';
import { findCondition, type ConditionInput } from '../kube/conditions.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { Logger } from '../observe/logger.ts';

/** A status as a comparable string: keys sorted, the stats' own timestamp left out, and podImageRewrite, which the
 *  webhook (operator/src/webhook/) writes from every replica and this reconciler never does. */
export function statusKey(status: object | undefined): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.keys(value).filter((k) => k !== 'updateTime').sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
    }
    return value;
  };
  const { podImageRewrite: _webhookOwned, ...own } = (status ?? {}) as { podImageRewrite?: unknown };
  return JSON.stringify(canonical(own));
}

/** The status subresource of a project. */
export function statusRef(project: ProxyCacheProject): { apiVersion: string; kind: string; plural: string; namespace: string; name: string } {
  return { apiVersion: API_VERSION, kind: PROXY_CACHE_PROJECT.kind, plural: PROXY_CACHE_PROJECT.plural, namespace: project.metadata.namespace ?? '', name: project.metadata.name ?? '' };
}

/** Patches the status unless it says what the project's status already says. */
export async function writeStatus(kube: KubeClient, project: ProxyCacheProject, status: ProxyCacheProjectStatus): Promise<void> {
  if (statusKey(project.status) === statusKey(status)) return;
  await kube.patchStatus(statusRef(project), status);
}

/** An Event and a log line when Ready changes status or reason; a failed Event is logged, never fatal. */
export async function recordTransition(kube: KubeClient, log: Logger, project: ProxyCacheProject & KubernetesObject, ready: ConditionInput): Promise<void> {
  const before = findCondition(project.status?.conditions, 'Ready');
  if (before && before.status === ready.status && before.reason === ready.reason) return;
  log.info('project readiness changed', { namespace: project.metadata.namespace, name: project.metadata.name, ready: ready.status, reason: ready.reason });
  await kube
    .event({ regarding: project, type: ready.status === 'True' || ready.reason === 'Deploying' ? 'Normal' : 'Warning', reason: ready.reason, message: ready.message })
    .catch((error: unknown) => log.warn('could not record event', { name: project.metadata.name, error: String(error) }));
}
