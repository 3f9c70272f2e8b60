// The seam between HTTP handlers and storage: the local cache and the pull-through decorator both implement it.
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { ByteRange } from '../store/blobstore.ts';
import type { Project } from '../project.ts';

export interface Manifest {
  digest: Digest;
  mediaType: string;
  body: Buffer;
}

export interface BlobBody {
  size: number;
  /** Where the bytes come from, for metrics: the store, or a download (own or shared). */
  source: 'cache' | 'upstream';
  stream: Readable;
}

/**
 * Besides the OciErrors named below (the cache's own verdicts, an upstream 404 among them), every method rejects
 * with UpstreamError when the upstream failed and nothing is kept to serve, and getManifest with ManifestTooLarge:
 * the HTTP layer (server/errors.ts) turns those into protocol errors.
 */
export interface ArtifactService {
  /**
   * `accept`: the manifest types the client takes (undefined: any). Rejects with OciError MANIFEST_UNKNOWN (also when
   * no acceptable type can be had) or MANIFEST_INVALID (bytes that do not match their digest).
   */
  getManifest(project: Project, name: RepositoryName, reference: Tag | Digest, accept?: readonly string[]): Promise<Manifest>;
  /** Size of a blob; rejects with OciError BLOB_UNKNOWN. */
  statBlob(project: Project, name: RepositoryName, digest: Digest): Promise<number>;
  /**
   * Where the client may GET a stored blob itself: a short-lived presigned URL of the object, when the project
   * redirects to storage (`redirectToStorage`) and the blob is stored for it. Counted as a hit and a pull, as a blob
   * served is. Undefined when it has to be served instead (not stored, or no such URL); never fetches upstream.
   */
  locateBlob(project: Project, name: RepositoryName, digest: Digest): Promise<string | undefined>;
  /** Rejects with OciError BLOB_UNKNOWN or RANGE_INVALID. */
  openBlob(project: Project, name: RepositoryName, digest: Digest, range?: ByteRange): Promise<BlobBody>;
  /** Rejects with OciError NAME_UNKNOWN (an upstream failure only when no list is kept). */
  tags(project: Project, name: RepositoryName): Promise<string[]>;
  /** The upstream's referrers index as sent; undefined when the upstream has none to give (never rejects for that). */
  referrers(project: Project, name: RepositoryName, digest: Digest): Promise<Buffer | undefined>;
}
