import assert from 'node:assert/strict';
import { handshakeFailureReason } from './handshake-failure.ts';

describe('handshake failure reasons', () => {
  // Codes as Node 24 with OpenSSL 3 reported them for real clients in proxy/test/tls.test.ts, and older spellings.
  const cases: [string, string][] = [
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'client_rejected_certificate'], // Go (skopeo) not trusting the CA
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'client_rejected_certificate'], // OpenSSL 1.1's name for the same
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client_rejected_certificate'], // another spelling of the same
    ['ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_UNKNOWN', 'client_rejected_certificate'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', 'protocol_version'], // a TLS 1.0 or 1.1 client
    ['ERR_SSL_NO_SHARED_CIPHER', 'no_common_parameters'],
    ['ERR_SSL_DATA_LENGTH_TOO_LONG', 'malformed'],
    ['ERR_SSL_EXCESSIVE_MESSAGE_SIZE', 'malformed'],
    ['ERR_SSL_UNEXPECTED_MESSAGE', 'malformed'],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', 'timeout'],
    ['ECONNRESET', 'reset'],
    ['ERR_SSL_SOMETHING_NEW', 'other'],
    ['', 'other'],
  ];
  for (const [code, reason] of cases) it(`${code} → ${reason}`, () => assert.equal(handshakeFailureReason(code), reason));
});
