// Shared inputs for the builders' unit tests.
import { readFile } from 'node:fs/promises';
import type { V1Secret } from '@kubernetes/client-node';
import type { TestCa } from '@berth/e2e';
import type { ProxyCacheProject, ProxyCacheProjectSpec, RegistryEndpoint, RegistryEndpointSpec } from '../api/index.ts';
import { resolveEndpoint } from './provider-defaults.ts';
import type { ProjectInputs } from './inputs.ts';

export function project(spec: Partial<ProxyCacheProjectSpec> = {}, name = 'hub'): ProxyCacheProject {
  return {
    apiVersion: 'berth.dev/v1alpha1',
    kind: 'ProxyCacheProject',
    metadata: { name, namespace: 'cache', uid: 'uid-1', generation: 1 },
    spec: { endpointRef: { name: 'docker-hub' }, ...spec },
  };
}

export function endpoint(spec: Partial<RegistryEndpointSpec> = {}): RegistryEndpoint {
  return { apiVersion: 'berth.dev/v1alpha1', kind: 'RegistryEndpoint', metadata: { name: 'docker-hub', namespace: 'cache', generation: 1 }, spec: { provider: 'dockerhub', ...spec } };
}

export function secret(name: string, type: string, keys: string[], resourceVersion = '1'): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'cache', uid: `uid-${name}`, resourceVersion },
    type,
    data: Object.fromEntries(keys.map((k) => [k, Buffer.from('s3cr3t-value').toString('base64')])),
  };
}

/** A server certificate from the test CA, as PEM bytes. */
export async function issuePem(ca: TestCa, name: string, altNames: string[]): Promise<{ cert: Buffer; key: Buffer }> {
  const files = await ca.issue(name, altNames);
  return { cert: await readFile(files.cert), key: await readFile(files.key) };
}

/** A kubernetes.io/tls Secret as cert-manager writes it (tls.crt, tls.key, ca.crt), from PEM bytes. */
export function tlsSecret(name: string, pem: { cert: Buffer; key: Buffer; ca?: Buffer }, resourceVersion = '1'): V1Secret {
  const b64 = (b: Buffer) => b.toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'cache', uid: `uid-${name}`, resourceVersion },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(pem.cert), 'tls.key': b64(pem.key), ...(pem.ca ? { 'ca.crt': b64(pem.ca) } : {}) },
  };
}

export function inputs(over: Partial<ProjectInputs> = {}): ProjectInputs {
  const ep = over.endpoint ?? endpoint();
  return { project: project(), endpoint: ep, resolved: resolveEndpoint(ep), defaultImage: 'ghcr.io/berth-dev/berth-proxy:0.1.0', ...over };
}
