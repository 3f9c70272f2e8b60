// The API group of both kinds, and the names the operator reads and writes under it.
export const GROUP = 'berth.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const REGISTRY_ENDPOINT = { kind: 'RegistryEndpoint', plural: 'registryendpoints' } as const;
export const PROXY_CACHE_PROJECT = { kind: 'ProxyCacheProject', plural: 'proxycacheprojects' } as const;

export const FIELD_MANAGER = 'berth-operator';
export const FINALIZER = 'berth.dev/cleanup';
