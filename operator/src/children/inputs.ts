// Everything a project's children are built from: the project, its endpoint, and the Secrets they reference.
// The reconciler reads these from the cluster; the builders are pure functions of them.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import type { ResolvedEndpoint } from './provider-defaults.ts';
import type { PodSettings } from './pod-settings.ts';

export interface ProjectInputs {
  project: ProxyCacheProject;
  endpoint: RegistryEndpoint;
  resolved: ResolvedEndpoint;
  /** The endpoint's credentialsSecretRef, when set. */
  credentials?: V1Secret;
  /** The endpoint's tls.caSecretRef, when set. */
  ca?: V1Secret;
  /** The project's access.htpasswdSecretRef, when set. */
  htpasswd?: V1Secret;
  /** The project's storage.s3.credentialsSecretRef and its CA (a Secret or a ConfigMap), when set. */
  s3Credentials?: V1Secret;
  s3Ca?: V1Secret | V1ConfigMap;
  /** The proxy image to use when the project names none. */
  defaultImage: string;
  /** The cluster admin's settings for every proxy pod (the chart's proxy.* values). */
  pod?: PodSettings;
}

/** Where the proxy pod mounts what it reads. */
export const MOUNTS = {
  configDir: '/etc/berth/config',
  configFile: '/etc/berth/config/config.yaml',
  credentialsDir: '/etc/berth/credentials',
  caDir: '/etc/berth/ca',
  accessDir: '/etc/berth/access',
  tlsDir: '/etc/berth/tls',
  storageDir: '/var/lib/berth',
  tmpDir: '/tmp',
} as const;

export class SecretShapeError extends Error {
  override name = 'SecretShapeError';
}

/** How the endpoint's credentials Secret is laid out; only its type and key names are read, never its values. */
export function credentialsKind(secret: V1Secret): 'dockerconfigjson' | 'basic-auth' {
  const keys = Object.keys(secret.data ?? {}).concat(Object.keys(secret.stringData ?? {}));
  if (secret.type === 'kubernetes.io/dockerconfigjson' || keys.includes('.dockerconfigjson')) return 'dockerconfigjson';
  if (secret.type === 'kubernetes.io/basic-auth' || (keys.includes('username') && keys.includes('password'))) return 'basic-auth';
  throw new SecretShapeError(
    `Secret ${secret.metadata?.name ?? ''} must be of type kubernetes.io/dockerconfigjson (key .dockerconfigjson) or kubernetes.io/basic-auth (keys username and password)`,
  );
}
