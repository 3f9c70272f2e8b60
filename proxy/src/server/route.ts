// Parses a request once into a typed value: which project, which kind of OCI object, which name and reference.
// Three ways to name the project (see issue 3, Routing): a path prefix `/v2/<registry>/<repo>/…`, containerd's
// `?ns=<registry>`, or nothing (the default project).
import { parseDigest, isDigest, type Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import { isTag, parseRepositoryName, type RepositoryName, type Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';

export type OciRequest =
  | { kind: 'catalog-root' }
  | { kind: 'catalog'; project: Project; n: number | undefined; last: string | undefined; target: URL }
  | { kind: 'manifest'; project: Project; name: RepositoryName; reference: Tag | Digest }
  | { kind: 'blob'; project: Project; name: RepositoryName; reference: Digest }
  | { kind: 'tags'; project: Project; name: RepositoryName; n: number | undefined; last: string | undefined; target: URL }
  | { kind: 'referrers'; project: Project; name: RepositoryName; reference: Digest; artifactType: string | undefined }
  | { kind: 'write'; method: string };

const READ_METHODS = new Set(['GET', 'HEAD']);
const SUFFIX = /^(.+)\/(manifests|blobs|tags|referrers)\/(.*)$/;

/**
 * Throws OciError: NAME_UNKNOWN (no project for the request), NAME_INVALID, MANIFEST_UNKNOWN (a tag outside the
 * grammar), DIGEST_INVALID, UNSUPPORTED (writes and blob uploads).
 */
export function parseOciRequest(method: string, url: URL, projects: readonly Project[]): OciRequest | undefined {
  const path = url.pathname;
  if (path === '/v2/' || path === '/v2') return READ_METHODS.has(method) ? { kind: 'catalog-root' } : { kind: 'write', method };
  if (!path.startsWith('/v2/')) return undefined;
  if (!READ_METHODS.has(method) || path.includes('/blobs/uploads')) return { kind: 'write', method };
  let rest = path.slice(4);
  if (rest.includes('%')) {
    try {
      rest = decodeURIComponent(rest);
    } catch {
      throw new OciError('NAME_INVALID', 'bad percent-encoding in path');
    }
  }
  const match = SUFFIX.exec(rest);
  if (!match) return catalogOf(rest, url, projects);
  const [, fullName, kind, ref] = match as unknown as [string, string, string, string];
  const { project, repository } = pickProject(fullName, queryParam(url, 'ns'), projects);
  const name = parseRepositoryName(project.libraryPrefix && !repository.includes('/') ? `library/${repository}` : repository);
  switch (kind) {
    case 'manifests':
      return { kind: 'manifest', project, name, reference: ref.includes(':') ? parseDigest(ref) : manifestTag(ref) };
    case 'blobs':
      return { kind: 'blob', project, name, reference: parseDigest(ref) };
    case 'tags':
      if (ref !== 'list') return undefined;
      return { kind: 'tags', project, name, n: parseCount(url.searchParams.get('n')), last: url.searchParams.get('last') ?? undefined, target: url };
    default:
      if (!isDigest(ref)) throw new OciError('DIGEST_INVALID', 'referrers needs a manifest digest');
      return { kind: 'referrers', project, name, reference: ref, artifactType: url.searchParams.get('artifactType') ?? undefined };
  }
}

/**
 * `/v2/_catalog` lists the repositories cached for one project: the one of `?ns=` or the default one; or, as
 * `/v2/<registry>/_catalog`, the one of that path prefix (a registry no project mirrors is unknown).
 */
function catalogOf(rest: string, url: URL, projects: readonly Project[]): OciRequest | undefined {
  const page = { n: parseCount(url.searchParams.get('n')), last: url.searchParams.get('last') ?? undefined, target: url };
  if (rest === '_catalog') return { kind: 'catalog', project: pickProject('', url.searchParams.get('ns'), projects).project, ...page };
  if (!rest.endsWith('/_catalog')) return undefined;
  const registry = rest.slice(0, -'/_catalog'.length);
  const project = projects.find((p) => p.registry === registry);
  if (!project) throw new OciError('NAME_UNKNOWN', `no project mirrors registry ${registry.slice(0, 200)}`);
  return { kind: 'catalog', project, ...page };
}

/**
 * A tag outside the grammar names a manifest that cannot exist: the spec (and its conformance suite) expects 404
 * MANIFEST_UNKNOWN for it, not a 400. It is refused here, before any upstream request.
 */
function manifestTag(ref: string): Tag {
  if (!isTag(ref)) throw new OciError('MANIFEST_UNKNOWN', `manifest unknown: ${JSON.stringify(ref.slice(0, 200))} is not a valid tag`);
  return ref;
}

function parseCount(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new OciError('UNSUPPORTED', `n must be a non-negative integer`, { status: 400 });
  return n;
}

/** A query parameter; a URL without a query (most requests) never builds its URLSearchParams. */
function queryParam(url: URL, name: string): string | null {
  return url.search === '' ? null : url.searchParams.get(name);
}

function pickProject(fullName: string, ns: string | null, projects: readonly Project[]): { project: Project; repository: string } {
  const slash = fullName.indexOf('/');
  if (slash > 0) {
    const prefix = fullName.slice(0, slash);
    const byPrefix = projects.find((p) => p.registry === prefix);
    if (byPrefix) return { project: byPrefix, repository: fullName.slice(slash + 1) };
  }
  if (ns) {
    const byNs = projects.find((p) => p.registry === ns);
    if (!byNs) throw new OciError('NAME_UNKNOWN', `no project mirrors registry ${ns.slice(0, 200)}`);
    return { project: byNs, repository: fullName };
  }
  const fallback = projects.find((p) => p.isDefault);
  if (!fallback) throw new OciError('NAME_UNKNOWN', 'no default project');
  return { project: fallback, repository: fullName };
}
