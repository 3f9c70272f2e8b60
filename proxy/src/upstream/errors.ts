// What can go wrong upstream, as kinds the pull-through decides on (serve stale, follow a delete, pass a 429 on).
// Which protocol error a client then sees is decided in the HTTP layer (server/errors.ts), nowhere else.

/**
 * `invalid`: an answer that breaks the API's promise (a redirect loop, a body that is not JSON). Unlike `unavailable`
 * without a status, it is final: asking again gets the same answer (client.ts does not retry it).
 */
export type UpstreamErrorKind = 'not-found' | 'unavailable' | 'rate-limited' | 'unauthorized' | 'denied' | 'invalid';

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly status: number | undefined;
  readonly retryAfter: string | undefined;
  constructor(kind: UpstreamErrorKind, message: string, opts: { status?: number; retryAfter?: string } = {}) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = opts.status;
    this.retryAfter = opts.retryAfter;
  }
}

/** A manifest upstream past the size the proxy takes (the spec lets a registry set a limit; clients get 400). */
export class ManifestTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`manifest is larger than ${limit} bytes`);
    this.name = 'ManifestTooLarge';
  }
}

export function errorForStatus(status: number, what: string, retryAfter?: string): UpstreamError {
  if (status === 404) return new UpstreamError('not-found', `${what}: upstream answered 404`, { status });
  if (status === 429) return new UpstreamError('rate-limited', `${what}: upstream answered 429`, { status, ...(retryAfter ? { retryAfter } : {}) });
  if (status === 401) return new UpstreamError('unauthorized', `${what}: upstream refused the credentials (401)`, { status });
  if (status === 403) return new UpstreamError('denied', `${what}: upstream denied access (403)`, { status });
  return new UpstreamError('unavailable', `${what}: upstream answered ${status}`, { status });
}

/** An error as one line for a message: its code (ECONNRESET, UND_ERR_BODY_TIMEOUT) when it has one, and its text. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
