// The request target (RFC 9112 §3.2) as a URL, without ever throwing anything but an OciError: `new URL` rejects
// targets a client can send (`//`, `http://[`, `http://x:99999/`), and such a request must get an answer, not end
// the process.
import { OciError } from '../oci/errors.ts';

const ORIGIN = 'http://proxy';

/**
 * Origin-form (`/v2/…?ns=…`) is read against a fixed origin, so `//host/…` stays a path instead of naming a host;
 * absolute-form (`http://host/v2/…`, what a client talking to a forward proxy sends) keeps only its path and query.
 * Anything else (`*`, authority-form, garbage) is no OCI route.
 * Throws OciError NAME_INVALID (a target that is no URL) or NAME_UNKNOWN (asterisk- or authority-form).
 */
export function parseTarget(target: string): URL {
  if (target.startsWith('/')) return parse(ORIGIN + target);
  if (/^https?:\/\//i.test(target)) {
    const absolute = parse(target);
    return parse(ORIGIN + absolute.pathname + absolute.search);
  }
  throw new OciError('NAME_UNKNOWN', 'no such route', { status: 404 });
}

function parse(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new OciError('NAME_INVALID', 'the request target is not a valid URL');
  }
}
