// A serving certificate and its key, checked before they are served: the chain parses, the key parses, and the
// key belongs to the leaf. The proxy runs this on every (re)load and the operator on the Secret it mounts, so both
// refuse the same pairs with the same words.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { TlsCertificateError } from './errors.ts';

/** TLS 1.0 and 1.1 are deprecated (RFC 8996); every client that pulls images speaks 1.2. */
export const MIN_TLS_VERSION = 'TLSv1.2';

export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** sha256 over both files' bytes: a pair read again unchanged is not reloaded. */
  readonly contentDigest: string;
  /** The leaf's SHA-256 fingerprint (`AA:BB:…`, as `openssl x509 -fingerprint -sha256` prints it). */
  readonly fingerprint: string;
  readonly notAfter: Date;
  /** The leaf's subjectAltName entries (`DNS:cache.example.com`, `IP Address:10.0.0.5`), or its CN without them. */
  readonly names: string[];
}

/** Where the bytes came from, for messages: file paths in the proxy, Secret keys in the operator. */
export interface PairSource {
  cert: string;
  key: string;
}

/** The options every secure context of the proxy is made from. */
export function secureContextOptions(pair: Pick<CertificatePair, 'cert' | 'key'>): SecureContextOptions {
  return { cert: pair.cert, key: pair.key, minVersion: MIN_TLS_VERSION };
}

/** Checks a pair; throws TlsCertificateError saying what is wrong with which of the two. */
export function parseCertificatePair(cert: Buffer, key: Buffer, source: PairSource): CertificatePair {
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TlsCertificateError('TLS_CERT_INVALID', `${source.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw new TlsCertificateError('TLS_CERT_INVALID', `${source.cert} is not a readable PEM certificate (${reason(err)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsCertificateError('TLS_KEY_INVALID', `${source.key} is not an unencrypted PEM private key (${reason(err)})`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsCertificateError('TLS_KEY_MISMATCH', `${source.key} does not belong to the first certificate in ${source.cert} (${describe(leaf)}): the pair must match, the leaf first in the chain`);
  }
  try {
    createSecureContext(secureContextOptions({ cert, key }));
  } catch (err) {
    throw new TlsCertificateError('TLS_CERT_INVALID', `${source.cert} and ${source.key} make no TLS context (${reason(err)})`);
  }
  return {
    cert,
    key,
    contentDigest: createHash('sha256').update(cert).update('\0').update(key).digest('hex'),
    fingerprint: leaf.fingerprint256,
    notAfter: new Date(leaf.validTo),
    names: namesOf(leaf),
  };
}

function namesOf(leaf: X509Certificate): string[] {
  const alt = leaf.subjectAltName?.split(', ').filter(Boolean) ?? [];
  if (alt.length > 0) return alt;
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1];
  return cn ? [`CN:${cn}`] : [];
}

function describe(leaf: X509Certificate): string {
  const names = namesOf(leaf);
  return names.length > 0 ? `for ${names.join(', ')}` : `fingerprint ${leaf.fingerprint256}`;
}

/** An OpenSSL or Node error as a short phrase: its code and the reason OpenSSL gives, never input bytes. */
function reason(err: unknown): string {
  const e = err as { code?: string; reason?: string; message?: string };
  return e.reason ?? e.code ?? 'unreadable';
}
