// The objects spec.storage.s3 names, read for the render: the credentials Secret and the CA's Secret or ConfigMap.
// Missing or without the key named: Blocked, with the field to fix. Only key names are looked at, never values.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { ProxyCacheProject } from '../api/index.ts';
import { checkS3Ca, checkS3CredentialsSecret, s3Of } from '../children/s3-storage.ts';
import { SecretShapeError, type ProjectInputs } from '../children/index.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { Blocked } from './blocked.ts';

export async function readS3Inputs(kube: KubeClient, project: ProxyCacheProject): Promise<Pick<ProjectInputs, 's3Credentials' | 's3Ca'>> {
  const s3 = s3Of(project);
  if (!s3) return {};
  const namespace = project.metadata.namespace ?? '';
  const out: Pick<ProjectInputs, 's3Credentials' | 's3Ca'> = {};
  try {
    const creds = s3.credentialsSecretRef;
    if (creds) {
      const secret = await kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: creds.name });
      if (!secret) {
        throw new Blocked('SecretNotFound', `Secret ${creds.name} (spec.storage.s3.credentialsSecretRef) not found in namespace ${namespace}: create it with the keys ${creds.accessKeyIdKey ?? 'accessKeyId'} and ${creds.secretAccessKeyKey ?? 'secretAccessKey'}, or fix spec.storage.s3.credentialsSecretRef.name`);
      }
      checkS3CredentialsSecret(secret, s3);
      out.s3Credentials = secret;
    }
    const caSecret = s3.ca?.secretKeyRef;
    const caMap = s3.ca?.configMapKeyRef;
    if (caSecret) {
      const secret = await kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: caSecret.name });
      if (!secret) throw new Blocked('SecretNotFound', `Secret ${caSecret.name} (spec.storage.s3.ca.secretKeyRef) not found in namespace ${namespace}: create it, or fix spec.storage.s3.ca.secretKeyRef.name`);
      checkS3Ca(secret, s3);
      out.s3Ca = secret;
    } else if (caMap) {
      const map = await kube.get<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: caMap.name });
      if (!map) throw new Blocked('ConfigMapNotFound', `ConfigMap ${caMap.name} (spec.storage.s3.ca.configMapKeyRef) not found in namespace ${namespace}: create it, or fix spec.storage.s3.ca.configMapKeyRef.name`);
      checkS3Ca(map, s3);
      out.s3Ca = map;
    }
  } catch (error) {
    if (error instanceof SecretShapeError) throw new Blocked('InvalidConfiguration', error.message);
    throw error;
  }
  return out;
}
