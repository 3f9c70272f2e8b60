// Repository names and tags, checked against the distribution spec grammar before they go anywhere.
import { OciError } from './errors.ts';

export type RepositoryName = string & { readonly __brand: 'RepositoryName' };
export type Tag = string & { readonly __brand: 'Tag' };

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const MAX_NAME = 255;

export function isRepositoryName(text: string): text is RepositoryName {
  return text.length <= MAX_NAME && NAME.test(text);
}

/** Throws NAME_INVALID. */
export function parseRepositoryName(text: string): RepositoryName {
  if (!isRepositoryName(text)) throw new OciError('NAME_INVALID', `invalid repository name: ${text.slice(0, 300)}`);
  return text;
}

export function isTag(text: string): text is Tag {
  return TAG.test(text);
}

/** Throws TAG_INVALID (MANIFEST_INVALID per older registries; TAG_INVALID is the spec's). */
export function parseTag(text: string): Tag {
  if (!isTag(text)) throw new OciError('TAG_INVALID', `invalid tag: ${text.slice(0, 200)}`);
  return text;
}
