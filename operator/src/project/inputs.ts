// What a project's children are rendered from: the project, its RegistryEndpoint (from the endpoints' cache) and
// the Secrets they name (from the apiserver: no cache keeps Secret data). A missing or unusable one is Blocked,
// with the field to fix in its message.
import type { V1Secret } from '@kubernetes/client-node';
import type { ProxyCacheProject, RegistryEndpoint } from '../api/index.ts';
import { EndpointConfigError, resolveEndpoint, servingCertificate, TlsSecretError, type ProjectInputs, type ServingCertificate } from '../children/index.ts';
import type { PodSettings } from '../children/pod-settings.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { ObjectCache } from '../kube/object-cache.ts';
import { Blocked } from './blocked.ts';
import { readS3Inputs } from './s3-inputs.ts';

export interface InputSources {
  kube: KubeClient;
  endpoints: ObjectCache<RegistryEndpoint>;
  defaultImage: string;
  proxyPod?: PodSettings;
}

/** The spec.tls Secret and its certificate; Blocked (TLSSecretNotFound, TLSSecretInvalid) when it cannot be served. */
export async function readServingTls(sources: InputSources, project: ProxyCacheProject): Promise<ServingCertificate | undefined> {
  const name = project.spec.tls?.secretName;
  if (!name) return undefined;
  const namespace = project.metadata.namespace ?? '';
  const secret = await sources.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) {
    throw new Blocked('TLSSecretNotFound', `Secret ${name} (spec.tls.secretName) not found in namespace ${namespace}: create a kubernetes.io/tls Secret with tls.crt and tls.key, or a cert-manager Certificate with spec.secretName ${name} (the Secret appears once it is issued)`);
  }
  try {
    return servingCertificate(secret);
  } catch (error) {
    if (error instanceof TlsSecretError) throw new Blocked('TLSSecretInvalid', error.message);
    throw error;
  }
}

/** The endpoint the project names, as cached; undefined when there is none. */
export function endpointOf(sources: Pick<InputSources, 'endpoints'>, project: ProxyCacheProject): RegistryEndpoint | undefined {
  return sources.endpoints.get(project.spec.endpointRef.name, project.metadata.namespace ?? '');
}

/** Blocked with EndpointNotFound, EndpointInvalid or SecretNotFound when the children cannot be rendered yet. */
export async function readInputs(sources: InputSources, project: ProxyCacheProject): Promise<ProjectInputs> {
  const namespace = project.metadata.namespace ?? '';
  const endpointName = project.spec.endpointRef.name;
  const endpoint = endpointOf(sources, project);
  if (!endpoint) {
    throw new Blocked('EndpointNotFound', `RegistryEndpoint ${endpointName} not found in namespace ${namespace}: create it, or set spec.endpointRef.name to an existing one`);
  }
  let resolved;
  try {
    resolved = resolveEndpoint(endpoint);
  } catch (error) {
    if (error instanceof EndpointConfigError) throw new Blocked('EndpointInvalid', `RegistryEndpoint ${endpointName}: ${error.message}`);
    throw error;
  }
  const secret = async (secretName: string, field: string): Promise<V1Secret> => {
    const found = await sources.kube.get<V1Secret>({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
    if (!found) throw new Blocked('SecretNotFound', `Secret ${secretName} (${field}) not found in namespace ${namespace}: create it, or fix ${field}`);
    return found;
  };
  const inputs: ProjectInputs = { project, endpoint, resolved, defaultImage: sources.defaultImage, ...(sources.proxyPod ? { pod: sources.proxyPod } : {}) };
  if (endpoint.spec.credentialsSecretRef) inputs.credentials = await secret(endpoint.spec.credentialsSecretRef.name, `RegistryEndpoint ${endpointName} spec.credentialsSecretRef`);
  if (endpoint.spec.tls?.caSecretRef) inputs.ca = await secret(endpoint.spec.tls.caSecretRef.name, `RegistryEndpoint ${endpointName} spec.tls.caSecretRef`);
  const access = project.spec.access;
  if (access?.htpasswdSecretRef && access.anonymous !== true) inputs.htpasswd = await secret(access.htpasswdSecretRef.name, 'spec.access.htpasswdSecretRef');
  return { ...inputs, ...(await readS3Inputs(sources.kube, project)) };
}
