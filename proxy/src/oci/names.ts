// Repository names and tags, checked against the distribution spec grammar (@berth/contracts/oci) before they go
// anywhere; refused with the OCI error a client understands.
import { isRepositoryName, isTag, type RepositoryName, type Tag } from '@berth/contracts/oci';
import { OciError } from './errors.ts';

export { isRepositoryName, isTag, type RepositoryName, type Tag };

/** Throws NAME_INVALID. */
export function parseRepositoryName(text: string): RepositoryName {
  if (!isRepositoryName(text)) throw new OciError('NAME_INVALID', `invalid repository name: ${text.slice(0, 300)}`);
  return text;
}

