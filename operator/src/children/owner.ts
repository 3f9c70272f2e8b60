// The owner reference that ties each child to its project, so the garbage collector removes children with it.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, PROXY_CACHE_PROJECT, type ProxyCacheProject } from '../api/index.ts';

export function ownerReference(project: ProxyCacheProject): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: PROXY_CACHE_PROJECT.kind,
    name: project.metadata.name ?? '',
    uid: project.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
