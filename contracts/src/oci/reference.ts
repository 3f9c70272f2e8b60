// An image reference without a registry (`library/nginx:1.27`, `app@sha256:…`, `app` = `app:latest`), split and
// checked against the spec grammar: what `pinned:` entries are.
import { isDigest, isRepositoryName, isTag, type Digest, type RepositoryName, type Tag } from './grammar.ts';

export interface ImageReference {
  repository: RepositoryName;
  reference: Tag | Digest;
}

/** The reference's parts, or a reason it is not one. */
export function parseImageReference(text: string): ImageReference | { problem: string } {
  const at = text.indexOf('@');
  const slash = text.lastIndexOf('/');
  const colon = at < 0 ? text.lastIndexOf(':') : -1;
  const repository = at >= 0 ? text.slice(0, at) : colon > slash ? text.slice(0, colon) : text;
  const reference = at >= 0 ? text.slice(at + 1) : colon > slash ? text.slice(colon + 1) : 'latest';
  if (!isRepositoryName(repository)) return { problem: `${JSON.stringify(repository)} is not a repository name (lower-case, e.g. library/nginx)` };
  if (at >= 0) return isDigest(reference) ? { repository, reference } : { problem: `${JSON.stringify(reference)} is not a sha256 or sha512 digest` };
  return isTag(reference) ? { repository, reference } : { problem: `${JSON.stringify(reference)} is not a valid tag` };
}
