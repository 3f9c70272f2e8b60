// A failed handshake's error code as one of a few reasons: a bounded label for the metric, and the answer to the
// question an operator asks first ("do the clients not trust the certificate, or speak an old protocol?").
// Node names OpenSSL errors after their reason string (`ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE` in OpenSSL 3,
// `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE` before), so the codes are matched by their ending.

export type HandshakeFailureReason = 'protocol_version' | 'client_rejected_certificate' | 'no_common_parameters' | 'timeout' | 'reset' | 'malformed' | 'other';

const RULES: [RegExp, HandshakeFailureReason][] = [
  // The client's alerts when it does not trust what it was shown: an unknown CA, a name that does not match, expiry.
  [/ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|ACCESS_DENIED)$/, 'client_rejected_certificate'],
  [/(UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|ALERT_PROTOCOL_VERSION|WRONG_VERSION_NUMBER|VERSION_TOO_LOW)$/, 'protocol_version'],
  [/(NO_SHARED_CIPHER|ALERT_HANDSHAKE_FAILURE|NO_SHARED_GROUPS|NO_SUITABLE_SIGNATURE_ALGORITHM|ALERT_INSUFFICIENT_SECURITY)$/, 'no_common_parameters'],
  [/^ERR_TLS_HANDSHAKE_TIMEOUT$/, 'timeout'],
  [/^(ECONNRESET|EPIPE)$/, 'reset'],
  // Bytes that are no TLS handshake: garbage, truncated or oversized records, a plain HTTP request.
  [/(HTTP_REQUEST|HTTPS_PROXY_REQUEST|PACKET_LENGTH_TOO_LONG|DATA_LENGTH_TOO_LONG|EXCESSIVE_MESSAGE_SIZE|RECORD_LAYER_FAILURE|UNEXPECTED_MESSAGE|UNEXPECTED_RECORD|LENGTH_MISMATCH|BAD_PACKET|DECODE_ERROR|ALERT_DECODE_ERROR)$/, 'malformed'],
];

export function handshakeFailureReason(code: string): HandshakeFailureReason {
  const upper = code.toUpperCase();
  return RULES.find(([pattern]) => pattern.test(upper))?.[1] ?? 'other';
}
