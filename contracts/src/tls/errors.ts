// Why a certificate and key pair cannot be served. The codes are stable (logs, metrics and the operator's
// conditions name them); the messages name the file and the fault, never a byte of the key.

export type TlsErrorCode =
  /** A file could not be read (missing, unreadable, a dangling symlink mid-swap). */
  | 'TLS_FILE_UNREADABLE'
  /** The certificate file holds no parseable PEM certificate. */
  | 'TLS_CERT_INVALID'
  /** The key file holds no parseable, unencrypted PEM private key. */
  | 'TLS_KEY_INVALID'
  /** The key does not belong to the first certificate of the chain (the leaf must come first). */
  | 'TLS_KEY_MISMATCH';

export class TlsCertificateError extends Error {
  override name = 'TlsCertificateError';
  constructor(readonly code: TlsErrorCode, message: string) {
    super(message);
  }
}
