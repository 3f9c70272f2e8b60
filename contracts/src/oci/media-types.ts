// Manifest media types: what the proxy asks upstreams for and serves, and what the operator's checks ask for.

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

export const MANIFEST_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST, DOCKER_V1_SIGNED] as const;

/** The Accept header sent upstream: every type, so the cache holds what any client may ask for. */
export const UPSTREAM_ACCEPT = MANIFEST_TYPES.join(', ');
