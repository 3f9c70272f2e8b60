// The seam the pull-through cache decorates: an upstream registry spoken to in the distribution API's own terms
// (as distribution's proxy stores wrap a remote BlobService). OciUpstream (oci-upstream.ts) implements it over HTTP
// (the `Upstream` of types.ts); the paths of the API are built there and nowhere else.
//
// Every method rejects with UpstreamError for what the upstream answered or failed to answer: `not-found` (404),
// `rate-limited` (429, with its Retry-After), `unauthorized` (401 after authenticating), `denied` (403),
// `unavailable` (5xx, no answer within the deadline, a connection or a body that broke), `invalid` (an answer that
// is not what the API promises: a redirect loop, a JSON body that is not JSON). Other rejections are named per method.
import type { Digest } from '../oci/digest.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { UpstreamBody } from './types.ts';

export interface UpstreamManifest {
  body: Buffer;
  /** The upstream's Docker-Content-Digest, when it sent a well-formed one (it is not checked against the body here). */
  digest: Digest | undefined;
  /** The upstream's Content-Type. */
  contentType: string | undefined;
}

export interface UpstreamBlob {
  /** Content-Length, when the upstream sent one. */
  size: number | undefined;
  /** The bytes, unchecked: the caller verifies them against the digest it asked for. */
  body: UpstreamBody;
}

export interface UpstreamRegistry {
  /** The digest a tag (or digest) names upstream now: its Docker-Content-Digest, undefined when none was sent. */
  headManifest(name: RepositoryName, reference: string, accept: string): Promise<Digest | undefined>;
  /**
   * The manifest's bytes as sent. Also rejects with ManifestTooLarge past MAX_MANIFEST_BYTES (the connection is let
   * go without reading the rest).
   */
  getManifest(name: RepositoryName, reference: string, accept: string): Promise<UpstreamManifest>;
  /** The blob's size (Content-Length), undefined when the upstream sent none. */
  headBlob(name: RepositoryName, digest: Digest): Promise<number | undefined>;
  /** The blob as a stream, once the upstream has answered with its headers. */
  getBlob(name: RepositoryName, digest: Digest): Promise<UpstreamBlob>;
  /** The repository's whole tag list. `invalid` also when the list passes MAX_TAG_LIST_BYTES. */
  tags(name: RepositoryName): Promise<string[]>;
  /** The referrers index of a manifest, as sent. */
  referrers(name: RepositoryName, digest: Digest): Promise<Buffer>;
  close(): Promise<void>;
}
