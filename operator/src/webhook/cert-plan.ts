// What the webhook's TLS Secret should hold, from what it holds now: pure but for the key generation, so every
// rotation rule is unit-tested with real certificates and a clock passed in.
//
// The Secret (type kubernetes.io/tls, shared by every operator replica so that all serve one certificate):
//   ca.crt   the CAs the apiserver trusts (caBundle), newest first: the signing CA, and the one before it
//            while it is still valid
//   ca.key   the signing CA's key
//   tls.crt  the serving certificate, tls.key its key
//
// Rotation without a window in which the apiserver distrusts the certificate served:
// - the serving certificate is renewed when a third of its life is left, or its names changed, by the same CA:
//   the caBundle does not change;
// - the CA is renewed when a third of its life is left: the new CA joins the bundle first, next to the old one,
//   and the serving certificate moves to it only once the new CA has been in the bundle for `caPropagationMs`
//   (time for every replica to write the bundle into the MutatingWebhookConfiguration).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { certFacts, issueCa, issueServing, splitPem, type CertFacts, type KeyPairPem, type Validity } from './certificates.ts';

export const SECRET_KEYS = { caBundle: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

export interface TlsMaterial {
  caBundle: string;
  caKey: string;
  cert: string;
  key: string;
}

export interface CertPolicy {
  dnsNames: readonly string[];
  ips: readonly string[];
  caLifetimeMs: number;
  servingLifetimeMs: number;
  /** Renew when less than this share of a certificate's life is left. */
  renewFraction: number;
  caPropagationMs: number;
}

export const DEFAULT_CERT_POLICY: Omit<CertPolicy, 'dnsNames' | 'ips'> = {
  caLifetimeMs: 5 * 365 * 86_400_000,
  servingLifetimeMs: 365 * 86_400_000,
  renewFraction: 1 / 3,
  caPropagationMs: 5 * 60_000,
};

export interface Issuer {
  ca(commonName: string, validity: Validity): KeyPairPem;
  serving(ca: KeyPairPem, names: { dnsNames: readonly string[]; ips: readonly string[] }, validity: Validity): KeyPairPem;
}

const forgeIssuer: Issuer = { ca: issueCa, serving: issueServing };

export interface CertPlan {
  material: TlsMaterial;
  /** What changed and why, for the log; empty when the Secret is right as it is. */
  changes: string[];
  /** When the serving certificate expires, ms. */
  servingNotAfter: number;
}

// Certificates start a minute early: a replica or apiserver whose clock lags must not see them as not yet valid.
const SKEW_MS = 60_000;

export function planCertificates(current: TlsMaterial | undefined, policy: CertPolicy, now: number, issuer: Issuer = forgeIssuer): CertPlan {
  const changes: string[] = [];
  const read = (pem: string): CertFacts | undefined => {
    try {
      return certFacts(pem);
    } catch {
      return undefined;
    }
  };
  const usable = (c: CertFacts | undefined): c is CertFacts => c !== undefined && c.notAfter > now;
  const renewDue = (c: CertFacts): boolean => c.notAfter - now < (c.notAfter - c.notBefore) * policy.renewFraction;

  let cas = splitPem(current?.caBundle ?? '').map(read).filter(usable);
  let caKey = current?.caKey ?? '';
  const signing = cas[0];
  if (!signing || !keyMatches(signing, caKey)) {
    changes.push(current ? 'the Secret holds no usable CA with its key: a new CA' : 'no Secret yet: a new CA');
    const fresh = issuer.ca('berth-webhook-ca', { notBefore: new Date(now - SKEW_MS), notAfter: new Date(now + policy.caLifetimeMs) });
    // Without the old key the old CA can sign nothing more; it stays trusted while a served certificate may need it.
    cas = [read(fresh.cert)!, ...cas];
    caKey = fresh.key;
  } else if (renewDue(signing)) {
    changes.push(`the CA expires ${new Date(signing.notAfter).toISOString()}: a new CA joins the bundle`);
    const fresh = issuer.ca('berth-webhook-ca', { notBefore: new Date(now - SKEW_MS), notAfter: new Date(now + policy.caLifetimeMs) });
    cas = [read(fresh.cert)!, ...cas];
    caKey = fresh.key;
  }
  const newest = cas[0]!;
  cas = [newest, ...cas.slice(1).filter((c) => c.pem !== newest.pem).slice(0, 1)];

  let cert = current?.cert ?? '';
  let key = current?.key ?? '';
  const serving = read(cert);
  const signedBy = serving ? cas.find((ca) => serving.x509.verify(ca.x509.publicKey)) : undefined;
  const wantNames = [...policy.dnsNames].sort().join(',') + '|' + [...policy.ips].sort().join(',');
  const haveNames = serving ? [...serving.dnsNames].sort().join(',') + '|' + [...serving.ips].sort().join(',') : '';
  // The new CA has been trusted long enough when it was made `caPropagationMs` ago (its notBefore is SKEW_MS early).
  const newestPropagated = now - (newest.notBefore + SKEW_MS) >= policy.caPropagationMs;
  let reason: string | undefined;
  if (!usable(serving) || !key) reason = 'no usable serving certificate';
  else if (!signedBy) reason = 'the serving certificate is signed by no CA of the bundle';
  else if (!keyMatches(serving, key)) reason = 'the serving certificate does not match its key';
  else if (haveNames !== wantNames) reason = `the serving certificate's names changed (${haveNames} → ${wantNames})`;
  else if (renewDue(serving)) reason = `the serving certificate expires ${new Date(serving.notAfter).toISOString()}`;
  else if (signedBy !== newest && newestPropagated) reason = 'the serving certificate moves to the new CA';
  if (reason) {
    changes.push(`${reason}: a new serving certificate`);
    const notAfter = Math.min(now + policy.servingLifetimeMs, newest.notAfter);
    const issued = issuer.serving({ cert: newest.pem, key: caKey }, { dnsNames: policy.dnsNames, ips: policy.ips }, { notBefore: new Date(now - SKEW_MS), notAfter: new Date(notAfter) });
    cert = issued.cert;
    key = issued.key;
  }
  const caBundle = cas.map((c) => c.pem.trim()).join('\n') + '\n';
  if (current && caBundle !== current.caBundle && changes.length === 0) changes.push('expired CAs leave the bundle');
  return { material: { caBundle, caKey, cert, key }, changes, servingNotAfter: read(cert)!.notAfter };
}

function keyMatches(cert: CertFacts, keyPem: string): boolean {
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return fromKey.equals(cert.x509.publicKey.export({ type: 'spki', format: 'der' }));
  } catch {
    return false;
  }
}
