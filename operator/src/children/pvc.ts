// The cache's volume. Data is never lost by a spec change: the claim only grows. A smaller size, another storage
// class or another access mode would need a new volume, so it is refused with a reason the project's status shows.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { parseQuantity } from '@berth/contracts/proxy-config';
import { childLabels, childName } from './names.ts';
import { ownerReference } from './owner.ts';
import type { ProxyCacheProject } from '../api/index.ts';

export const DEFAULT_STORAGE_SIZE = '20Gi';

export interface StorageRefusal {
  reason: 'StorageShrinkRefused' | 'StorageClassChangeRefused' | 'StorageAccessModeChangeRefused';
  message: string;
}

export type PvcPlan = { pvc: V1PersistentVolumeClaim } | { refusal: StorageRefusal };

export function desiredPvc(project: ProxyCacheProject, existing?: V1PersistentVolumeClaim): PvcPlan {
  const storage = project.spec.storage ?? {};
  const size = storage.size ?? DEFAULT_STORAGE_SIZE;
  const accessMode = storage.accessMode ?? 'ReadWriteOnce';
  if (existing) {
    const refusal = refusalFor(existing, size, storage.storageClassName, accessMode);
    if (refusal) return { refusal };
  }
  return {
    pvc: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: childName(project), namespace: project.metadata.namespace, labels: childLabels(project), ownerReferences: [ownerReference(project)] },
      spec: {
        accessModes: [accessMode],
        resources: { requests: { storage: size } },
        ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
      },
    },
  };
}

function refusalFor(existing: V1PersistentVolumeClaim, size: string, storageClassName: string | undefined, accessMode: string): StorageRefusal | undefined {
  const current = existing.spec?.resources?.requests?.storage;
  const currentBytes = current === undefined ? undefined : parseQuantity(String(current));
  const wantedBytes = parseQuantity(size);
  if (currentBytes !== undefined && wantedBytes !== undefined && wantedBytes < currentBytes) {
    return {
      reason: 'StorageShrinkRefused',
      message: `storage.size ${size} is smaller than the volume's ${String(current)}: a volume cannot shrink without losing the cache; set storage.size to ${String(current)} or more`,
    };
  }
  const currentClass = existing.spec?.storageClassName;
  if (storageClassName && currentClass && storageClassName !== currentClass) {
    return {
      reason: 'StorageClassChangeRefused',
      message: `storage.storageClassName ${storageClassName} differs from the volume's ${currentClass}: changing it needs a new volume and would drop the cache; set it back to ${currentClass}, or create a new project`,
    };
  }
  const currentModes = existing.spec?.accessModes ?? [];
  if (currentModes.length && !currentModes.includes(accessMode)) {
    return {
      reason: 'StorageAccessModeChangeRefused',
      message: `storage.accessMode ${accessMode} differs from the volume's ${currentModes.join(', ')}: changing it needs a new volume; set it back, or create a new project`,
    };
  }
  return undefined;
}
