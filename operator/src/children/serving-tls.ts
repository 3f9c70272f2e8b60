// The project's serving certificate (spec.tls.secretName), checked before the proxy is asked to serve it: the
// Secret has tls.crt and tls.key, and they make a pair the proxy accepts (the proxy's own check, @berth/contracts/tls).
// Only what a certificate shows anyway (names, expiry, fingerprint) leaves this module; never a byte of the key.
import type { V1Secret } from '@kubernetes/client-node';
import { parseCertificatePair, TlsCertificateError } from '@berth/contracts/tls';
import { SecretShapeError } from './inputs.ts';

const TLS_KEYS = ['tls.crt', 'tls.key'] as const;

export interface ServingCertificate {
  secretName: string;
  /** subjectAltName entries, e.g. DNS:cache.example.com */
  names: string[];
  notAfter: Date;
  fingerprint: string;
}

/** The Secret cannot be served; the message names the Secret, the key and the fault. */
export class TlsSecretError extends SecretShapeError {
  override name = 'TlsSecretError';
}

function bytes(secret: V1Secret, key: string): Buffer | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'base64');
  const plain = secret.stringData?.[key];
  return plain === undefined ? undefined : Buffer.from(plain, 'utf8');
}

export function servingCertificate(secret: V1Secret): ServingCertificate {
  const name = secret.metadata?.name ?? '';
  const where = `Secret ${name} (spec.tls.secretName)`;
  const fault = (message: string) => new TlsSecretError(`${where}: ${message}`);
  const missing = TLS_KEYS.filter((key) => (bytes(secret, key)?.length ?? 0) === 0);
  if (missing.length > 0) {
    throw fault(`has no ${missing.join(' and no ')}: it must be a kubernetes.io/tls Secret with tls.crt and tls.key (a cert-manager Certificate writes them once it is issued: kubectl describe certificate)`);
  }
  try {
    const pair = parseCertificatePair(bytes(secret, 'tls.crt')!, bytes(secret, 'tls.key')!, { cert: 'tls.crt', key: 'tls.key' });
    return { secretName: name, names: pair.names, notAfter: pair.notAfter, fingerprint: pair.fingerprint };
  } catch (err) {
    if (err instanceof TlsCertificateError) throw fault(err.message);
    throw err;
  }
}
