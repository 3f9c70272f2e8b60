// A pod's image reference, normalized as container runtimes read it: `nginx` is docker.io/library/nginx:latest,
// `org/app` is docker.io/org/app, `quay.io/org/app:v1@sha256:…` keeps both tag and digest. The rewrite keeps every
// part and only puts the cache's host in front, so `kubectl describe` still shows which image a pod runs.
import { isDigest, isRepositoryName, isTag } from '@berth/contracts/oci';

export interface ImageReference {
  /** The registry host as runtimes name it, lower-cased; docker.io for Docker Hub's aliases. */
  registry: string;
  /** The repository inside the registry; Docker Hub's official images get library/. */
  repository: string;
  tag?: string;
  digest?: string;
}

export class ImageReferenceError extends Error {
  override name = 'ImageReferenceError';
  readonly code = 'IMAGE_REFERENCE_INVALID';
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Throws ImageReferenceError when `text` is not a reference a runtime could pull. */
export function parseImageReference(text: string): ImageReference {
  const fail = (why: string): never => {
    throw new ImageReferenceError(`${JSON.stringify(text.slice(0, 300))} is not an image reference: ${why}`);
  };
  if (text.length === 0 || text.length > 1024 || /\s/.test(text)) fail('empty, too long or with spaces');
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  if (digest !== undefined && !isDigest(digest)) fail(`${JSON.stringify(digest)} is not a sha256 or sha512 digest`);
  let name = at >= 0 ? text.slice(0, at) : text;
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!isTag(tag)) fail(`${JSON.stringify(tag)} is not a tag`);
  }
  const slash = name.indexOf('/');
  const first = slash > 0 ? name.slice(0, slash) : '';
  // Docker's rule: the first component is a registry host when it has a dot or a port, or is localhost.
  const hasHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first.toLowerCase() : 'docker.io';
  let repository = hasHost ? name.slice(slash + 1) : name;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    registry = 'docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  if (hasHost && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$|^\[[0-9a-f:.]+\](:[0-9]{1,5})?$/.test(registry)) fail(`${JSON.stringify(first)} is not a registry host`);
  if (!isRepositoryName(repository)) fail(`${JSON.stringify(repository)} is not a repository name (lower-case, e.g. org/app)`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** registry/repository[:tag][@digest], as written (no tag stays no tag). */
export function normalizedReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** What match and exclude patterns read: the normalized reference with the implied tag spelled out, so that
 *  `quay.io/org/app` is excluded by `:latest$` as a runtime would pull it. */
export function matchableReference(ref: ImageReference): string {
  return normalizedReference(ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref);
}

/** The same image through the cache at `cacheHost`: the proxy routes /v2/<registry>/<repository> by its prefix. */
export function rewrittenReference(ref: ImageReference, cacheHost: string): string {
  return `${cacheHost}/${normalizedReference(ref)}`;
}

/** The manifest reference a pull resolves first: the digest when there is one, else the tag (latest by default). */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
