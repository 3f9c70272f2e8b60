// The OCI grammar and media types, for the operator's pod image webhook (@berth/proxy/oci): one definition of a
// repository name, tag, digest and manifest type for the cache and for what points pods at it.
export { isDigest, type Digest } from './digest.ts';
export { isRepositoryName, isTag, type RepositoryName, type Tag } from './names.ts';
export { DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, UPSTREAM_ACCEPT } from './mediatypes.ts';
