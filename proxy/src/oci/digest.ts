// Digests (`sha256:<64 hex>`), branded once checked so no unchecked string reaches a store path.
import { createHash, type Hash } from 'node:crypto';
import { OciError } from './errors.ts';

export type Digest = string & { readonly __brand: 'Digest' };

/** Algorithms the proxy can verify; anything else is refused with DIGEST_INVALID. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };
const GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigest(text: string): text is Digest {
  if (!GRAMMAR.test(text)) return false;
  const [algorithm, hex] = text.split(':') as [string, string];
  return HEX_LENGTH[algorithm] === hex.length && /^[a-f0-9]+$/.test(hex);
}

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
