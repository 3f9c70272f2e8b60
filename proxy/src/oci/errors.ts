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

export class OciError extends Error {
  readonly code: OciErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(code: OciErrorCode, message: string, opts: { status?: number; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'OciError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.headers = opts.headers ?? {};
  }

  /** The spec's error body. UPSTREAM_UNAVAILABLE is Berth's own; clients only need the status and message. */
  body(): string {
    return JSON.stringify({ errors: [{ code: this.code, message: this.message, detail: null }] });
  }
}

export function isOciError(err: unknown): err is OciError {
  return err instanceof OciError;
}
