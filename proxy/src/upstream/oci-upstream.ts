// The distribution API over one upstream's HTTP client: each OCI question becomes one request, and the answer's
// headers and body become typed values. The one place that knows the API's paths (`/v2/<name>/<kind>/<reference>`).
import { isDigest, type Digest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/mediatypes.ts';
import type { RepositoryName } from '../oci/names.ts';
import { readBody, readJson } from './body.ts';
import { ManifestTooLarge, UpstreamError } from './errors.ts';
import { header } from './headers.ts';
import type { UpstreamBlob, UpstreamManifest, UpstreamRegistry } from './registry.ts';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './types.ts';

/** A tag list larger than this is refused (thousands of tags take a few hundred KB). */
export const MAX_TAG_LIST_BYTES = 16 * 1024 * 1024;

type Kind = 'manifests' | 'blobs' | 'tags' | 'referrers';

/** The API path of an object of a repository; `tags` takes `list`. */
export function registryPath(name: RepositoryName, kind: Kind, reference: string): string {
  return `/v2/${name}/${kind}/${reference}`;
}

export class OciUpstream implements UpstreamRegistry {
  constructor(private readonly http: Upstream) {}

  async headManifest(name: RepositoryName, reference: string, accept: string): Promise<Digest | undefined> {
    const res = await this.send('HEAD', name, 'manifests', reference, { accept });
    await res.body.dump().catch(() => undefined);
    return wellFormedDigest(header(res.headers, 'docker-content-digest'));
  }

  async getManifest(name: RepositoryName, reference: string, accept: string): Promise<UpstreamManifest> {
    const res = await this.send('GET', name, 'manifests', reference, { accept });
    const body = await readBody(res, what('GET', name, 'manifests', reference), MAX_MANIFEST_BYTES, () => new ManifestTooLarge(MAX_MANIFEST_BYTES));
    return { body, digest: wellFormedDigest(header(res.headers, 'docker-content-digest')), contentType: header(res.headers, 'content-type') };
  }

  async headBlob(name: RepositoryName, digest: Digest): Promise<number | undefined> {
    const res = await this.send('HEAD', name, 'blobs', digest);
    await res.body.dump().catch(() => undefined);
    return lengthOf(res);
  }

  async getBlob(name: RepositoryName, digest: Digest): Promise<UpstreamBlob> {
    const res = await this.send('GET', name, 'blobs', digest);
    return { size: lengthOf(res), body: res.body };
  }

  async tags(name: RepositoryName): Promise<string[]> {
    const res = await this.send('GET', name, 'tags', 'list');
    const request = what('GET', name, 'tags', 'list');
    const doc = (await readJson(res, request, MAX_TAG_LIST_BYTES, () => new UpstreamError('invalid', `${request}: larger than ${MAX_TAG_LIST_BYTES} bytes`))) as { tags?: unknown } | null;
    return Array.isArray(doc?.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
  }

  async referrers(name: RepositoryName, digest: Digest): Promise<Buffer> {
    const res = await this.send('GET', name, 'referrers', digest);
    return Buffer.from(await res.body.arrayBuffer());
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private send(method: UpstreamRequest['method'], name: RepositoryName, kind: Kind, reference: string, headers?: Record<string, string>): Promise<UpstreamResponse> {
    return this.http.send({ method, path: registryPath(name, kind, reference), repository: name, ...(headers ? { headers } : {}) });
  }
}

/** `GET /v2/…`: how errors name the request. */
function what(method: string, name: RepositoryName, kind: Kind, reference: string): string {
  return `${method} ${registryPath(name, kind, reference)}`;
}

function wellFormedDigest(value: string | undefined): Digest | undefined {
  return value !== undefined && isDigest(value) ? value : undefined;
}

function lengthOf(res: UpstreamResponse): number | undefined {
  const value = header(res.headers, 'content-length');
  if (value === undefined) return undefined;
  const size = Number(value);
  return Number.isFinite(size) ? size : undefined;
}
