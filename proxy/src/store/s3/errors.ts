// Errors of the object store, as the proxy logs and tests them: the operation, the key and the server's answer —
// never a credential (the SDK's own messages carry none; the signature is not in them either).

/** An S3 request failed (other than a key not found, which the store answers as BlobNotStoredError). */
export class ObjectStoreError extends Error {
  readonly code = 'OBJECT_STORE_FAILED';
  /** The HTTP status the server answered with, when it answered. */
  readonly status: number | undefined;
  constructor(operation: string, key: string, cause: unknown) {
    const status = statusOf(cause);
    super(`S3 ${operation} ${key} failed: ${(cause as Error | undefined)?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${(cause as Error | undefined)?.message ?? String(cause)}`, { cause });
    this.name = 'ObjectStoreError';
    this.status = status;
  }
}

export function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** A 404 of any kind: NoSuchKey, NotFound (HEAD has no body), NoSuchUpload. */
export function isMissing(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return statusOf(err) === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload';
}
