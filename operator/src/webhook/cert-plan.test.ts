import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { splitPem } from './certificates.ts';
import { DEFAULT_CERT_POLICY, planCertificates, type CertPolicy, type TlsMaterial } from './cert-plan.ts';

const DAY = 86_400_000;
const policy: CertPolicy = {
  ...DEFAULT_CERT_POLICY,
  caLifetimeMs: 300 * DAY,
  servingLifetimeMs: 90 * DAY,
  caPropagationMs: 10 * 60_000,
  dnsNames: ['berth-webhook', 'berth-webhook.berth.svc'],
  ips: ['127.0.0.1'],
};
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** The serving certificate verifies against one of the bundle's CAs, and that CA's position in the bundle. */
function signerIndex(m: TlsMaterial): number {
  const cert = new X509Certificate(m.cert);
  return splitPem(m.caBundle).findIndex((pem) => cert.verify(new X509Certificate(pem).publicKey));
}

describe('webhook: certificate plan and rotation', function () {
  this.timeout(20_000);
  let first: TlsMaterial;

  it('makes a CA and a serving certificate for the Service names when there is no Secret', () => {
    const plan = planCertificates(undefined, policy, T0);
    first = plan.material;
    assert.match(plan.changes.join(), /no Secret yet/);
    const cert = new X509Certificate(first.cert);
    assert.equal(cert.subjectAltName, 'DNS:berth-webhook, DNS:berth-webhook.berth.svc, IP Address:127.0.0.1');
    assert.equal(splitPem(first.caBundle).length, 1);
    assert.equal(signerIndex(first), 0);
    assert.equal(new X509Certificate(splitPem(first.caBundle)[0]!).ca, true);
    assert.equal(plan.servingNotAfter, Date.parse(cert.validTo));
    assert.ok(Math.abs(Date.parse(cert.validTo) - (T0 + 90 * DAY)) < 2000);
  });

  it('changes nothing while both certificates have more than a third of their life left', () => {
    const plan = planCertificates(first, policy, T0 + 50 * DAY);
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(plan.material, first);
  });

  it('renews the serving certificate under the same CA when a third of its life is left: the CA bundle stays', () => {
    const plan = planCertificates(first, policy, T0 + 61 * DAY);
    assert.match(plan.changes.join(), /serving certificate expires/);
    assert.notEqual(plan.material.cert, first.cert);
    assert.equal(plan.material.caBundle, first.caBundle);
    assert.equal(signerIndex(plan.material), 0);
  });

  it('renews the serving certificate when its names change', () => {
    const plan = planCertificates(first, { ...policy, dnsNames: ['renamed'] }, T0 + DAY);
    assert.match(plan.changes.join(), /names changed/);
    assert.equal(new X509Certificate(plan.material.cert).subjectAltName, 'DNS:renamed, IP Address:127.0.0.1');
  });

  it('rotates the CA in two steps: trusted first, then signing only after the propagation time', () => {
    // the serving certificate renewed on day 195 (the CA still has a third of its life), then on day 210 the CA
    // (300 days) has less than a third left
    const day195 = planCertificates(first, policy, T0 + 195 * DAY).material;
    assert.equal(day195.caBundle, first.caBundle);
    const step1 = planCertificates(day195, policy, T0 + 210 * DAY);
    assert.match(step1.changes.join(), /a new CA joins the bundle/);
    const bundle = splitPem(step1.material.caBundle);
    assert.equal(bundle.length, 2);
    assert.equal(bundle[1], splitPem(first.caBundle)[0], 'the old CA stays trusted');
    assert.equal(step1.material.cert, day195.cert, 'still served by the old CA');
    assert.equal(signerIndex(step1.material), 1);
    // a replica looking a minute later changes nothing yet
    assert.deepEqual(planCertificates(step1.material, policy, T0 + 210 * DAY + 60_000).changes, []);
    // after the propagation time the serving certificate moves to the new CA; both stay in the bundle
    const step2 = planCertificates(step1.material, policy, T0 + 210 * DAY + 11 * 60_000);
    assert.match(step2.changes.join(), /moves to the new CA/);
    assert.equal(signerIndex(step2.material), 0);
    assert.equal(step2.material.caBundle, step1.material.caBundle);
    // once the old CA expires it leaves the bundle
    const later = planCertificates(step2.material, policy, T0 + 301 * DAY);
    assert.equal(splitPem(later.material.caBundle).length, 1);
    assert.equal(signerIndex(later.material), 0);
  });

  it('starts over from a Secret whose CA key does not match, or whose certificate is garbage', () => {
    const wrongKey = planCertificates({ ...first, caKey: planCertificates(undefined, policy, T0).material.caKey }, policy, T0 + DAY);
    assert.match(wrongKey.changes.join(), /no usable CA with its key/);
    // the served certificate stays valid under the old CA (still trusted) until the new CA has propagated
    assert.equal(signerIndex(wrongKey.material), 1);
    assert.equal(signerIndex(planCertificates(wrongKey.material, policy, T0 + DAY + 11 * 60_000).material), 0);
    const garbage = planCertificates({ ...first, cert: 'nope' }, policy, T0 + DAY);
    assert.match(garbage.changes.join(), /no usable serving certificate/);
    assert.equal(garbage.material.caBundle, first.caBundle);
  });
});
