// The one place where what went wrong becomes a protocol error: the cache's own OciErrors pass as they are, an
// upstream's failure (UpstreamError, ManifestTooLarge) becomes the OCI error a client acts on. The client gets a
// fixed message; the upstream's own (which names its request) stays in `cause`, for the log.
import { OciError } from '../oci/errors.ts';
import { ManifestTooLarge, UpstreamError } from '../upstream/errors.ts';

/** The protocol error for `err`; undefined for an error the protocol has no word for (a bug: the caller answers 500). */
export function toOciError(err: unknown): OciError | undefined {
  if (err instanceof OciError) return err;
  if (err instanceof ManifestTooLarge) return new OciError('MANIFEST_INVALID', err.message, { cause: err });
  if (err instanceof UpstreamError) return fromUpstream(err);
  return undefined;
}

function fromUpstream(err: UpstreamError): OciError {
  const cause = { cause: err };
  switch (err.kind) {
    case 'rate-limited':
      return new OciError('TOOMANYREQUESTS', 'the upstream registry is rate limiting; nothing cached to serve', {
        headers: err.retryAfter ? { 'retry-after': err.retryAfter } : {}, ...cause,
      });
    case 'unauthorized':
      return new OciError('UNAUTHORIZED', 'the upstream registry refused the proxy\'s credentials', { status: 502, ...cause });
    case 'denied':
      return new OciError('DENIED', 'the upstream registry denied access', cause);
    case 'not-found':
      return new OciError('NAME_UNKNOWN', 'not known upstream', cause);
    default:
      return new OciError('UPSTREAM_UNAVAILABLE', 'the upstream registry is unavailable and nothing is cached', { status: err.status === 503 ? 503 : 502, ...cause });
  }
}
