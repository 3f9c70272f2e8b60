// A PodDisruptionBudget, only when there is more than one replica: with one, it would block node drains.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { childLabels, childName, selectorLabels } from './names.ts';
import { ownerReference } from './owner.ts';
import type { ProxyCacheProject } from '../api/index.ts';

export function desiredPodDisruptionBudget(project: ProxyCacheProject): V1PodDisruptionBudget | undefined {
  if ((project.spec.replicas ?? 1) <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: childName(project), namespace: project.metadata.namespace, labels: childLabels(project), ownerReferences: [ownerReference(project)] },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(project) } },
  };
}
