// Which kind of registry read a request path is, as fault rules name them: a blob, a manifest by tag or by digest,
// a tag list. The query is ignored (containerd adds `?ns=`; a redirect loop adds its own marker).

export type PathKind = 'blob' | 'manifest-by-tag' | 'manifest-by-digest' | 'tags-list' | 'other';

const OBJECT = /^\/v2\/.+\/(blobs|manifests)\/([^/]+)$/;
const TAGS = /^\/v2\/.+\/tags\/list$/;
/** The distribution grammar of a digest (algorithm:encoded); anything else after /manifests/ is a tag. */
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function pathKind(target: string): PathKind {
  const path = target.split('?')[0]!;
  if (TAGS.test(path)) return 'tags-list';
  const m = OBJECT.exec(path);
  if (!m) return 'other';
  if (m[1] === 'blobs') return DIGEST.test(m[2]!) ? 'blob' : 'other';
  return DIGEST.test(m[2]!) ? 'manifest-by-digest' : 'manifest-by-tag';
}
