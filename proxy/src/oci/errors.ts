// The OCI distribution error codes and their HTTP statuses; handlers throw OciError, one place renders it.

export type OciErrorCode =
  | 'BLOB_UNKNOWN' | 'MANIFEST_UNKNOWN' | 'MANIFEST_INVALID' | 'NAME_UNKNOWN' | 'NAME_INVALID' | 'DIGEST_INVALID'
  | 'TAG_INVALID' | 'SIZE_INVALID' | 'RANGE_INVALID' | 'TOOMANYREQUESTS' | 'UNAUTHORIZED' | 'DENIED' | 'UNSUPPORTED'
  | 'UPSTREAM_UNAVAILABLE';

const STATUS: Record<OciErrorCode, number> = {
  BLOB_UNKNOWN: 404, MANIFEST_UNKNOWN: 404, NAME_UNKNOWN: 404, MANIFEST_INVALID: 400, NAME_INVALID: 400,
  DIGEST_INVALID: 400, TAG_INVALID: 400, SIZE_INVALID: 400, RANGE_INVALID: 416, TOOMANYREQUESTS: 429,
  UNAUTHORIZED: 401, DENIED: 403, UNSUPPORTED: 405, UPSTREAM_UNAVAILABLE: 502,
};

/** The error codes of the distribution spec's list: the only codes a 4xx body carries. */
export const SPEC_ERROR_CODES = [
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID', 'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED', 'DENIED',
  'UNSUPPORTED', 'TOOMANYREQUESTS',
] as const;
export type SpecErrorCode = (typeof SPEC_ERROR_CODES)[number];

/**
 * Berth's codes outside the spec's list, as the spec code a client is sent for them: a range the blob cannot
 * satisfy is an "invalid set of parameters" (UNSUPPORTED), a tag outside the grammar is MANIFEST_INVALID (TAG_INVALID
 * left the spec). UPSTREAM_UNAVAILABLE only goes out with a 5xx, where the spec does not bind the code.
 */
const SPEC_CODE_FOR: Record<Exclude<OciErrorCode, SpecErrorCode>, SpecErrorCode> = {
  RANGE_INVALID: 'UNSUPPORTED', TAG_INVALID: 'MANIFEST_INVALID', UPSTREAM_UNAVAILABLE: 'UNSUPPORTED',
};

export function isSpecErrorCode(code: string): code is SpecErrorCode {
  return (SPEC_ERROR_CODES as readonly string[]).includes(code);
}

export class OciError extends Error {
  readonly code: OciErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** `cause`: what went wrong inside (an upstream error), for the log; never sent to the client. */
  constructor(code: OciErrorCode, message: string, opts: { status?: number; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OciError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.headers = opts.headers ?? {};
  }

  /** The code the body carries: a 4xx always has one from the spec's list; a 5xx may carry Berth's own. */
  get wireCode(): string {
    if (this.status >= 500 || isSpecErrorCode(this.code)) return this.code;
    return SPEC_CODE_FOR[this.code];
  }

  /** The spec's error body. UPSTREAM_UNAVAILABLE is Berth's own; clients only need the status and message. */
  body(): string {
    return JSON.stringify({ errors: [{ code: this.wireCode, message: this.message, detail: null }] });
  }
}
