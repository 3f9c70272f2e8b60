// Every path of the on-disk store is built here, and only from a checked Digest, so no request can name a path
// outside the store. Layout (v1 is the layout version; a future layout gets a new segment, not a migration in place):
//
//   <root>/
//     v1/
//       blobs/<algorithm>/<first two hex>/<hex>     verified content (blobs and manifests alike), read-only
//       tmp/<random>                                 downloads in progress; removed at start (never served after a crash)
//     index.sqlite                                   the embedded keyv index (tags, manifests, last-pulled times)
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { digestParts, type Digest } from '../oci/digest.ts';

export interface StorePaths {
  root: string;
  blobsDir: string;
  tmpDir: string;
  indexFile: string;
  blob(digest: Digest): string;
  newTemp(): string;
}

export function storePaths(root: string): StorePaths {
  const layout = join(root, 'v1');
  const blobsDir = join(layout, 'blobs');
  const tmpDir = join(layout, 'tmp');
  return {
    root,
    blobsDir,
    tmpDir,
    indexFile: join(root, 'index.sqlite'),
    blob(digest) {
      const { algorithm, hex } = digestParts(digest);
      return join(blobsDir, algorithm, hex.slice(0, 2), hex);
    },
    newTemp: () => join(tmpDir, randomUUID()),
  };
}
