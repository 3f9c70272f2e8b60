// Digests (`sha256:<64 hex>`), branded once checked so no unchecked string reaches a store path. The grammar is
// the shared one (@berth/contracts/oci); what the cache does with a digest is here.
import { createHash, type Hash } from 'node:crypto';
import { isDigest, type Digest } from '@berth/contracts/oci';
import { OciError } from './errors.ts';

export { isDigest, type Digest };

/** Throws OciError DIGEST_INVALID for a malformed digest or an unknown algorithm. */
export function parseDigest(text: string): Digest {
  if (!isDigest(text)) throw new OciError('DIGEST_INVALID', `invalid or unsupported digest: ${text.slice(0, 200)}`);
  return text;
}

export function digestParts(digest: Digest): { algorithm: string; hex: string } {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return { algorithm, hex };
}

export function hasherFor(digest: Digest): Hash {
  return createHash(digestParts(digest).algorithm);
}

export function sha256Of(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

export function digestOf(algorithm: string, bytes: Uint8Array): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}
