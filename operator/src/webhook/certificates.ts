// The webhook's own CA and serving certificate. node:crypto makes keys and reads certificates but cannot sign
// one, so node-forge builds and signs the X.509 structures: one small package with no dependencies of its own,
// PEM in and out (what node:tls takes). @peculiar/x509 was the other candidate; it needs a global
// reflect-metadata polyfill (tsyringe) and nine @peculiar/asn1 packages. Keys are RSA 2048, made by node:crypto
// (native, ~50 ms), not by forge's JavaScript generator.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

function newKey(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
}

function serial(): string {
  // Positive and minimally encoded, as DER wants and Go's x509 parser (the API server's) checks: the top bit clear
  // (DER integers are signed) and the first byte never zero (a leading zero byte is allowed only before a set top
  // bit). Clearing the top bit alone gave a zero first byte one time in 128.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function base(key: forge.pki.rsa.PrivateKey, validity: Validity): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serial();
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  return cert;
}

/** A self-signed CA that signs serving certificates only (path length 0). */
export function issueCa(commonName: string, validity: Validity): KeyPairPem {
  const key = newKey();
  const cert = base(key, validity);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(key) };
}

/** A serving certificate for `dnsNames` and `ips`, signed by `ca`. */
export function issueServing(ca: KeyPairPem, names: { dnsNames: readonly string[]; ips: readonly string[] }, validity: Validity): KeyPairPem {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const key = newKey();
  const cert = base(key, validity);
  cert.setSubject([{ name: 'commonName', value: names.dnsNames[0] ?? names.ips[0] ?? 'berth-webhook' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.dnsNames.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(key) };
}

/** The PEM blocks of a bundle, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** What the keeper reads of a certificate: validity, names, and whom it was signed by. */
export interface CertFacts {
  notBefore: number;
  notAfter: number;
  dnsNames: string[];
  ips: string[];
  pem: string;
  x509: X509Certificate;
}

export function certFacts(pem: string): CertFacts {
  const x509 = new X509Certificate(pem);
  const alt = (x509.subjectAltName ?? '').split(', ').filter(Boolean);
  return {
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    dnsNames: alt.filter((a) => a.startsWith('DNS:')).map((a) => a.slice(4)),
    ips: alt.filter((a) => a.startsWith('IP Address:')).map((a) => a.slice(11)),
    pem,
    x509,
  };
}
