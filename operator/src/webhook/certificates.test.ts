import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { certFacts, issueCa, issueServing, splitPem, type KeyPairPem } from './certificates.ts';

const DAY = 24 * 3600_000;
const validity = { notBefore: new Date(Math.floor(Date.now() / 1000) * 1000 - DAY), notAfter: new Date(Math.floor(Date.now() / 1000) * 1000 + 365 * DAY) };

describe('webhook certificates', function () {
  this.timeout(20_000);
  let ca: KeyPairPem;
  let serving: KeyPairPem;
  let caX509: X509Certificate;
  let servingX509: X509Certificate;
  before(() => {
    ca = issueCa('berth-webhook-ca', validity);
    serving = issueServing(ca, { dnsNames: ['berth-webhook.berth.svc', 'berth-webhook.berth.svc.cluster.local'], ips: ['10.96.0.7'] }, validity);
    caX509 = new X509Certificate(ca.cert);
    servingX509 = new X509Certificate(serving.cert);
  });

  it('the CA is self-signed, a CA that signs leaves only (path length 0)', () => {
    assert.ok(caX509.ca);
    assert.equal(caX509.subject, 'CN=berth-webhook-ca');
    assert.equal(caX509.issuer, caX509.subject);
    assert.ok(caX509.verify(caX509.publicKey));
    const constraints = forge.pki.certificateFromPem(ca.cert).getExtension('basicConstraints') as { cA?: boolean; pathLenConstraint?: number };
    assert.deepEqual([constraints.cA, constraints.pathLenConstraint], [true, 0]);
    // 16 bytes, positive and with no leading zero byte, whatever the random bytes were.
    assert.match(caX509.serialNumber, /^[4-7][0-9A-F]{31}$/i, 'a positive, minimally encoded serial');
  });

  it('the serving certificate is signed by the CA, is no CA itself, and names the Service', () => {
    assert.ok(!servingX509.ca);
    assert.ok(servingX509.verify(caX509.publicKey));
    assert.ok(servingX509.checkIssued(caX509));
    assert.equal(servingX509.subject, 'CN=berth-webhook.berth.svc');
    assert.ok(servingX509.checkHost('berth-webhook.berth.svc.cluster.local'));
    assert.ok(servingX509.checkIP('10.96.0.7'));
    assert.equal(servingX509.checkHost('other.berth.svc'), undefined);
    assert.deepEqual(servingX509.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'server authentication only');
  });

  it('keys are RSA 2048 in PEM, and each matches its certificate', () => {
    for (const [pair, x509] of [[ca, caX509], [serving, servingX509]] as const) {
      const key = createPrivateKey(pair.key);
      assert.equal(key.asymmetricKeyType, 'rsa');
      assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
      assert.ok(x509.checkPrivateKey(key));
      assert.equal(createPublicKey(key).export({ type: 'spki', format: 'pem' }), x509.publicKey.export({ type: 'spki', format: 'pem' }));
    }
  });

  it('the validity is the one asked for', () => {
    assert.equal(Date.parse(servingX509.validFrom), validity.notBefore.getTime());
    assert.equal(Date.parse(servingX509.validTo), validity.notAfter.getTime());
  });

  it('an IP-only certificate takes its first IP as its common name', () => {
    const ipOnly = new X509Certificate(issueServing(ca, { dnsNames: [], ips: ['127.0.0.1'] }, validity).cert);
    assert.equal(ipOnly.subject, 'CN=127.0.0.1');
  });

  it('certFacts reads validity and names; splitPem splits a bundle in order', () => {
    const facts = certFacts(serving.cert);
    assert.deepEqual(facts.dnsNames, ['berth-webhook.berth.svc', 'berth-webhook.berth.svc.cluster.local']);
    assert.deepEqual(facts.ips, ['10.96.0.7']);
    assert.equal(facts.notAfter, validity.notAfter.getTime());
    assert.deepEqual(splitPem(`${serving.cert}\n${ca.cert}`).map((p) => new X509Certificate(p).subject), ['CN=berth-webhook.berth.svc', 'CN=berth-webhook-ca']);
    assert.deepEqual(splitPem('no certificate here'), []);
  });
});
