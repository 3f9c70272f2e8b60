// Static PersistentVolumes for the local control plane, which has no volume provisioner: one per cache, bound
// ahead to the claim the operator will create (berth-<project>) so no other suite's claim can take it.

export const TEST_STORAGE_CLASS = 'berth-static';

export function staticVolume(opts: { name: string; namespace: string; claim: string; size: string }): string {
  return `apiVersion: v1
kind: PersistentVolume
metadata: { name: ${opts.name}, labels: { berth.dev/static-volume: "true" } }
spec:
  capacity: { storage: ${opts.size} }
  accessModes: [ReadWriteOnce]
  storageClassName: ${TEST_STORAGE_CLASS}
  persistentVolumeReclaimPolicy: Retain
  claimRef: { namespace: ${opts.namespace}, name: ${opts.claim} }
  hostPath: { path: /tmp/${opts.name} }
`;
}
