// @berth/contracts/oci: the OCI grammar and media types, one definition of a repository name, tag, digest, image
// reference and manifest type for the cache and for what points pods at it (the operator's webhook).
export { isDigest, isRepositoryName, isTag, type Digest, type RepositoryName, type Tag } from './grammar.ts';
export { parseImageReference, type ImageReference } from './reference.ts';
export { DOCKER_LIST, DOCKER_MANIFEST, DOCKER_V1_SIGNED, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST, UPSTREAM_ACCEPT } from './media-types.ts';
