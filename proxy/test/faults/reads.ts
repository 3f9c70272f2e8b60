// The client's side of a matrix cell: the request a target makes, and what the answer it got amounts to.
import type { Exchange, PathKind } from '@berth/e2e';
import { errorCodes, sha256 } from '../fixture.ts';
import type { Handmade } from '../handmade.ts';
import { FAULTED_KIND, type Outcome, type Target } from './scenarios.ts';

export interface Read {
  /** Path under the proxy, with the project's prefix. */
  path: string;
  headers: Record<string, string>;
  /** The upstream request kind a fault for this read is put on. */
  kind: PathKind;
  /** The digest the answer must have, and that the store then holds; none for a tag list. */
  digest?: string;
  correct(body: Buffer): boolean;
}

const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

/** `layer`: the bytes of the image's one layer. */
export function readFor(target: Target, prefix: string, repository: string, image: Handmade, layer: Buffer): Read {
  const base = `/v2/${prefix}/${repository}`;
  const byDigest = (digest: string) => ({ digest, correct: (body: Buffer) => sha256(body) === digest });
  const kind = FAULTED_KIND[target];
  switch (target) {
    case 'cold blob':
    case 'warm blob':
      return { path: `${base}/blobs/${image.layers[0]}`, headers: {}, kind, ...byDigest(image.layers[0]!) };
    case 'cold blob, last byte':
      return {
        path: `${base}/blobs/${image.layers[0]}`, headers: { range: 'bytes=-1' }, kind, digest: image.layers[0]!,
        correct: (body) => body.equals(layer.subarray(-1)),
      };
    case 'tag':
    case 'tag, cached':
      return { path: `${base}/manifests/v1`, headers: ACCEPT, kind, ...byDigest(image.digest) };
    case 'digest':
      return { path: `${base}/manifests/${image.digest}`, headers: ACCEPT, kind, ...byDigest(image.digest) };
    case 'tags list':
      return {
        path: `${base}/tags/list`, headers: {}, kind,
        correct: (body) => {
          const doc = JSON.parse(body.toString('utf8')) as { name?: string; tags?: string[] };
          return doc.name === repository && JSON.stringify(doc.tags) === '["v1"]';
        },
      };
  }
}

/**
 * What the answer amounts to (a 206 for a range counts as a 200). `faulted`: a fault was injected upstream while answering (a right answer is then
 * served from the cache: stale). `no answer` and `CORRUPT` (a clean end with wrong bytes) are never expected.
 */
export function outcomeOf(x: Exchange, read: Read, faulted: boolean): Outcome | 'no answer' | 'CORRUPT' {
  if (x.status === undefined) return 'no answer';
  if (x.status !== 200 && x.status !== 206) return `${x.status} ${errorCodes(x.body)[0] ?? '(no OCI error body)'}`;
  if (x.error) return 'broken';
  let right = false;
  try {
    right = read.correct(x.body);
  } catch {
    right = false;
  }
  if (!right) return 'CORRUPT';
  return faulted ? 'stale' : 'ok';
}
