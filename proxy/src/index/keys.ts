// Every key of the catalog, built and read here and nowhere else:
//   tag:<project>/<repo>:<tag>         which digest a tag pointed at, when that was checked
//   manifest:<project>/<repo>@<digest> a manifest of one repository of a project
//   blob:<project>@<digest>            a blob linked to the project that fetched it
//   tags:<project>/<repo>              the upstream's last tags/list answer
// Project names are DNS labels, repository names follow the distribution grammar (no ':' or '@'), so each key splits
// back into its parts unambiguously.
import type { Digest } from '../oci/digest.ts';

export function tagKey(project: string, repo: string, tag: string): string {
  return `tag:${project}/${repo}:${tag}`;
}

export function tagListKey(project: string, repo: string): string {
  return `tags:${project}/${repo}`;
}

/** The catalog key of a manifest in one repository of a project. */
export function manifestKey(project: string, repo: string, digest: string): string {
  return `manifest:${project}/${repo}@${digest}`;
}

/** The catalog key of a blob linked to a project. */
export function blobKey(project: string, digest: string): string {
  return `blob:${project}@${digest}`;
}

export type ParsedKey =
  | { kind: 'manifest'; project: string; repo: string; digest: Digest }
  | { kind: 'blob'; project: string; digest: Digest }
  | { kind: 'tag'; project: string; repo: string; tag: string };

const MANIFEST_KEY = /^manifest:([a-z0-9-]+)\/(.+)@([a-z0-9]+:[a-f0-9]+)$/;
const BLOB_KEY = /^blob:([a-z0-9-]+)@([a-z0-9]+:[a-f0-9]+)$/;
const TAG_KEY = /^tag:([a-z0-9-]+)\/(.+):([^:/]+)$/;

/** The parts of a manifest, blob or tag key; undefined for any other key. */
export function parseKey(key: string): ParsedKey | undefined {
  const m = MANIFEST_KEY.exec(key);
  if (m) return { kind: 'manifest', project: m[1]!, repo: m[2]!, digest: m[3] as Digest };
  const b = BLOB_KEY.exec(key);
  if (b) return { kind: 'blob', project: b[1]!, digest: b[2] as Digest };
  const t = TAG_KEY.exec(key);
  if (t) return { kind: 'tag', project: t[1]!, repo: t[2]!, tag: t[3]! };
  return undefined;
}

/** The project of a manifest or blob key, without parsing the rest (on every pull: retention's hot path). */
export function projectOfKey(key: string): string | undefined {
  return /^(?:manifest|blob):([a-z0-9-]+)[/@]/.exec(key)?.[1];
}
