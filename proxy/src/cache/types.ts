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

export interface ArtifactService {
  /**
   * `accept`: the manifest types the client takes (undefined: any). Rejects with OciError MANIFEST_UNKNOWN (also when
   * no acceptable type can be had), TOOMANYREQUESTS or UPSTREAM_UNAVAILABLE.
   */
  getManifest(project: Project, name: RepositoryName, reference: Tag | Digest, accept?: readonly string[]): Promise<Manifest>;
  /** Size of a blob; rejects with OciError BLOB_UNKNOWN or an upstream error. */
  statBlob(project: Project, name: RepositoryName, digest: Digest): Promise<number>;
  /** Rejects with OciError BLOB_UNKNOWN, RANGE_INVALID or an upstream error. */
  openBlob(project: Project, name: RepositoryName, digest: Digest, range?: ByteRange): Promise<BlobBody>;
  /** Rejects with OciError NAME_UNKNOWN, TOOMANYREQUESTS or UPSTREAM_UNAVAILABLE (when nothing is kept). */
  tags(project: Project, name: RepositoryName): Promise<string[]>;
  referrers(project: Project, name: RepositoryName, digest: Digest): Promise<Buffer | undefined>;
}
