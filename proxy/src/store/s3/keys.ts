// Every key the proxy writes to the bucket is built here, and only from a checked Digest or a plain replica name, so
// no request can name a key outside the layout. Layout (v1 is the layout version, as on the volume):
//
//   <prefix>v1/
//     blobs/<algorithm>/<first two hex>/<hex>     verified content (blobs and manifests alike); the only keys ever
//                                                  read. A large blob is a multipart upload to this key, completed
//                                                  only once verified, so it is invisible until then.
//     uploads/<replica>/<id>                       a note per multipart upload in progress ({key, uploadId}): lets a
//                                                  restarted replica abort exactly the uploads it left (S3 does not
//                                                  say who started an upload)
//
// Objects here are leaves only: some servers (versitygw's posix backend) cannot hold a key that is both an object
// and a prefix, and none of these is both.
import { randomUUID } from 'node:crypto';
import { digestParts, isDigest, type Digest } from '../../oci/digest.ts';

export interface BucketKeys {
  /** Everything this proxy writes lives under here: `<prefix>v1/`. */
  readonly root: string;
  readonly blobsPrefix: string;
  /** Every replica's upload notes live under here. */
  readonly uploadsPrefix: string;
  /** This replica's upload notes. */
  readonly ownUploadsPrefix: string;
  blob(digest: Digest): string;
  /** The digest a blob key names, or undefined for any other key. */
  digestOf(key: string): Digest | undefined;
  newUploadNote(): string;
}

/** `prefix` as validated by the config (may be empty, may lack the trailing `/`); `replica` is one plain segment. */
export function bucketKeys(prefix: string, replica: string): BucketKeys {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(replica)) throw new Error(`replica name ${JSON.stringify(replica)} is not a plain key segment`);
  const root = `${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}v1/`;
  const blobsPrefix = `${root}blobs/`;
  const uploadsPrefix = `${root}uploads/`;
  const ownUploadsPrefix = `${uploadsPrefix}${replica}/`;
  return {
    root,
    blobsPrefix,
    uploadsPrefix,
    ownUploadsPrefix,
    blob(digest) {
      const { algorithm, hex } = digestParts(digest);
      return `${blobsPrefix}${algorithm}/${hex.slice(0, 2)}/${hex}`;
    },
    digestOf(key) {
      if (!key.startsWith(blobsPrefix)) return undefined;
      const [algorithm, two, hex, ...rest] = key.slice(blobsPrefix.length).split('/');
      const digest = `${algorithm}:${hex}`;
      return rest.length === 0 && hex?.slice(0, 2) === two && isDigest(digest) ? digest : undefined;
    },
    newUploadNote: () => `${ownUploadsPrefix}${randomUUID()}`,
  };
}
