// Every path of the on-disk store is built here, and only from a checked Digest, so no request can name a path
// outside the store. Layout (v1 is the layout version; a future layout gets a new segment, not a migration in place):
//
//   <root>/
//     v1/
//       blobs/<algorithm>/<first two hex>/<hex>     verified content (blobs and manifests alike), read-only
//       tmp/<replica>/<random>                       downloads in progress, one folder per replica sharing the store;
//                                                    a replica empties its own at start (never served after a crash)
//       copies/<replica>/<algorithm>-<hex>           object storage only: verified local copies of the bucket's
//                                                    blobs (s3/local-copies.ts), emptied at start like tmp/
//     index.sqlite                                   the embedded keyv index (tags, manifests, last-pulled times)
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { digestParts, type Digest } from '../oci/digest.ts';

export interface StorePaths {
  root: string;
  blobsDir: string;
  /** Every replica's temp folder lives under here. */
  tmpRoot: string;
  /** This replica's temp folder. */
  tmpDir: string;
  /** This replica's local copies of blobs kept in object storage (s3/local-copies.ts). */
  copiesDir: string;
  indexFile: string;
  copy(digest: Digest): string;
  blob(digest: Digest): string;
  newTemp(): string;
}

/** `replica` names this process among those sharing the store (the pod name); it is a single path segment. */
export function storePaths(root: string, replica: string): StorePaths {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(replica)) throw new Error(`replica name ${JSON.stringify(replica)} is not a plain file name`);
  const layout = join(root, 'v1');
  const blobsDir = join(layout, 'blobs');
  const tmpRoot = join(layout, 'tmp');
  const tmpDir = join(tmpRoot, replica);
  const copiesDir = join(layout, 'copies', replica);
  return {
    root,
    blobsDir,
    tmpRoot,
    tmpDir,
    copiesDir,
    indexFile: join(root, 'index.sqlite'),
    blob(digest) {
      const { algorithm, hex } = digestParts(digest);
      return join(blobsDir, algorithm, hex.slice(0, 2), hex);
    },
    copy(digest) {
      const { algorithm, hex } = digestParts(digest);
      return join(copiesDir, `${algorithm}-${hex}`);
    },
    newTemp: () => join(tmpDir, randomUUID()),
  };
}
