// The distribution spec's grammar of repository names, tags and digests: one definition for the cache, which
// refuses anything else before it builds a path, and for the operator's pod image webhook and config validation.
// Checked values are branded, so no unchecked string passes for one.

export type Digest = string & { readonly __brand: 'Digest' };
export type RepositoryName = string & { readonly __brand: 'RepositoryName' };
export type Tag = string & { readonly __brand: 'Tag' };

/** Algorithms the proxy can verify; a digest of any other is not one Berth accepts. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME = 255;

export function isDigest(text: string): text is Digest {
  if (!DIGEST.test(text)) return false;
  const [algorithm, hex] = text.split(':') as [string, string];
  return HEX_LENGTH[algorithm] === hex.length && /^[a-f0-9]+$/.test(hex);
}

export function isRepositoryName(text: string): text is RepositoryName {
  return text.length <= MAX_NAME && NAME.test(text);
}

export function isTag(text: string): text is Tag {
  return TAG.test(text);
}
