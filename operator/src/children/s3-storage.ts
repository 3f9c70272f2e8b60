// spec.storage.s3: the cache in a bucket instead of a volume. What it changes in the children: the proxy's
// storage.s3 (with the keys as files, never as values), the Secret and CA mounted beside the config, an emptyDir
// for downloads in progress instead of the claim, and no PersistentVolumeClaim at all.
//
// The credentials Secret is mounted by name and key only and stays out of the rollout hash: the kubelet swaps the
// mounted files when the Secret changes and the proxy reads them again every minute (proxy/src/store/s3/client.ts),
// so a rotation restarts nothing. The CA is read once at start, so the CA's object is in the hash (a change rolls).
import type { V1ConfigMap, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { S3StorageConfig } from '@berth/contracts/proxy-config';
import type { ProxyCacheProject, S3Storage } from '../api/index.ts';
import { SecretShapeError } from './inputs.ts';

export const S3_MOUNTS = {
  credentialsDir: '/etc/berth/s3',
  caDir: '/etc/berth/s3-ca',
} as const;

export const DEFAULT_ACCESS_KEY_ID_KEY = 'accessKeyId';
export const DEFAULT_SECRET_ACCESS_KEY_KEY = 'secretAccessKey';
const DEFAULT_CA_KEY = 'ca.crt';

/** The project's bucket, when it stores in one. */
export function s3Of(project: ProxyCacheProject): S3Storage | undefined {
  return project.spec.storage?.s3;
}

/** The Secrets the bucket settings name: their events unblock a project that waited for one (nothing rolls). */
export function s3SecretNames(project: ProxyCacheProject): string[] {
  const s3 = s3Of(project);
  return [s3?.credentialsSecretRef?.name, s3?.ca?.secretKeyRef?.name].filter((n): n is string => n !== undefined);
}

/** The ConfigMap the bucket's CA is in, when it is in one: its events roll the proxy, or unblock a project that waited for it. */
export function s3ConfigMapName(project: ProxyCacheProject): string | undefined {
  return s3Of(project)?.ca?.configMapKeyRef?.name;
}

/** The proxy's storage.s3 for the bucket: the mounted files in place of the Secret's values. */
export function s3StorageConfig(s3: S3Storage): S3StorageConfig {
  const out: S3StorageConfig = { bucket: s3.bucket };
  if (s3.endpoint) out.endpoint = s3.endpoint;
  if (s3.region) out.region = s3.region;
  if (s3.prefix) out.prefix = s3.prefix;
  if (s3.credentialsSecretRef) {
    out.accessKeyIdFile = `${S3_MOUNTS.credentialsDir}/accessKeyId`;
    out.secretAccessKeyFile = `${S3_MOUNTS.credentialsDir}/secretAccessKey`;
  }
  if (s3.forcePathStyle) out.forcePathStyle = true;
  if (s3.ca) out.caFile = `${S3_MOUNTS.caDir}/ca.crt`;
  return out;
}

/** The credentials Secret's and the CA's volumes and mounts (read-only). */
export function s3Volumes(s3: S3Storage): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  const creds = s3.credentialsSecretRef;
  if (creds) {
    const items = [
      { key: creds.accessKeyIdKey ?? DEFAULT_ACCESS_KEY_ID_KEY, path: 'accessKeyId' },
      { key: creds.secretAccessKeyKey ?? DEFAULT_SECRET_ACCESS_KEY_KEY, path: 'secretAccessKey' },
    ];
    volumes.push({ name: 's3-credentials', secret: { secretName: creds.name, items, defaultMode: 0o440 } });
    mounts.push({ name: 's3-credentials', mountPath: S3_MOUNTS.credentialsDir, readOnly: true });
  }
  const ca = s3.ca?.secretKeyRef ?? s3.ca?.configMapKeyRef;
  if (ca) {
    const items = [{ key: ca.key ?? DEFAULT_CA_KEY, path: 'ca.crt' }];
    volumes.push(s3.ca?.secretKeyRef
      ? { name: 's3-ca', secret: { secretName: ca.name, items, defaultMode: 0o444 } }
      : { name: 's3-ca', configMap: { name: ca.name, items, defaultMode: 0o444 } });
    mounts.push({ name: 's3-ca', mountPath: S3_MOUNTS.caDir, readOnly: true });
  }
  return { volumes, mounts };
}

/** Throws SecretShapeError naming the missing key; reads the Secret's key names only, never its values. */
export function checkS3CredentialsSecret(secret: V1Secret, s3: S3Storage): void {
  const ref = s3.credentialsSecretRef;
  if (!ref) return;
  const keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
  const wanted = [
    [ref.accessKeyIdKey ?? DEFAULT_ACCESS_KEY_ID_KEY, 'accessKeyIdKey'],
    [ref.secretAccessKeyKey ?? DEFAULT_SECRET_ACCESS_KEY_KEY, 'secretAccessKeyKey'],
  ] as const;
  const missing = wanted.filter(([key]) => !keys.has(key));
  if (missing.length) {
    throw new SecretShapeError(
      `Secret ${ref.name} (spec.storage.s3.credentialsSecretRef) has no key ${missing.map(([k]) => k).join(' or ')}: add it, or set ` +
        `${missing.map(([, field]) => `spec.storage.s3.credentialsSecretRef.${field}`).join(' and ')} to the key that holds it`,
    );
  }
}

/** Throws SecretShapeError when the CA's Secret or ConfigMap lacks the key. */
export function checkS3Ca(source: V1Secret | V1ConfigMap, s3: S3Storage): void {
  const ref = s3.ca?.secretKeyRef ?? s3.ca?.configMapKeyRef;
  if (!ref) return;
  const key = ref.key ?? DEFAULT_CA_KEY;
  const keys = [...Object.keys(source.data ?? {}), ...Object.keys((source as V1Secret).stringData ?? {})];
  if (!keys.includes(key)) {
    const kind = s3.ca?.secretKeyRef ? 'Secret' : 'ConfigMap';
    const field = s3.ca?.secretKeyRef ? 'secretKeyRef' : 'configMapKeyRef';
    throw new SecretShapeError(`${kind} ${ref.name} (spec.storage.s3.ca.${field}) has no key ${key}: add the PEM bundle under it, or set spec.storage.s3.ca.${field}.key`);
  }
}
