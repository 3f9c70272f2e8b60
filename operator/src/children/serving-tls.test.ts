import assert from 'node:assert/strict';
import { createTestCa, type TestCa } from '@berth/e2e';
import { servingCertificate, TlsSecretError } from './serving-tls.ts';
import { issuePem, secret, tlsSecret } from './fixtures.test-helper.ts';

describe('serving certificate Secret (spec.tls.secretName)', function () {
  this.timeout(60_000); // openssl runs
  let ca: TestCa;
  let cache: { cert: Buffer; key: Buffer };
  let other: { cert: Buffer; key: Buffer };

  before(async () => {
    ca = await createTestCa();
    cache = await issuePem(ca, 'cache', ['DNS:cache.example.com', 'DNS:berth-hub.cache.svc']);
    other = await issuePem(ca, 'other', ['DNS:other.example.com']);
  });
  after(() => ca?.dispose());

  const refuses = (s: Parameters<typeof servingCertificate>[0], message: RegExp) =>
    assert.throws(() => servingCertificate(s), (err: unknown) => {
      assert.ok(err instanceof TlsSecretError);
      assert.match(err.message, message);
      for (const line of other.key.toString().split('\n').concat(cache.key.toString().split('\n')).filter((l) => l.length > 16 && !l.startsWith('-----'))) {
        assert.ok(!err.message.includes(line), 'a line of a key in the message');
      }
      return true;
    });

  it('reads what cert-manager writes: the names, the expiry and the fingerprint', () => {
    const cert = servingCertificate(tlsSecret('cache-tls', { ...cache, ca: Buffer.from('ca') }));
    assert.equal(cert.secretName, 'cache-tls');
    assert.deepEqual(cert.names, ['DNS:cache.example.com', 'DNS:berth-hub.cache.svc']);
    assert.ok(cert.notAfter.getTime() > Date.now());
    assert.match(cert.fingerprint, /^[0-9A-F:]{95}$/);
  });

  it('reads stringData too (a Secret written by hand before the apiserver encodes it)', () => {
    const s = { ...secret('hand', 'kubernetes.io/tls', []), data: {}, stringData: { 'tls.crt': cache.cert.toString(), 'tls.key': cache.key.toString() } };
    assert.equal(servingCertificate(s).secretName, 'hand');
  });

  it('says which keys are missing, and that cert-manager writes them once issued', () => {
    refuses(secret('cache-tls', 'kubernetes.io/tls', []), /^Secret cache-tls \(spec\.tls\.secretName\): has no tls\.crt and no tls\.key: it must be a kubernetes\.io\/tls Secret .*a cert-manager Certificate writes them once it is issued/);
    refuses({ ...tlsSecret('cache-tls', cache), data: { 'tls.crt': cache.cert.toString('base64'), 'tls.key': '' } }, /has no tls\.key:/);
  });

  it('refuses a key that does not belong to the certificate, naming the certificate', () => {
    refuses(tlsSecret('cache-tls', { cert: cache.cert, key: other.key }), /^Secret cache-tls \(spec\.tls\.secretName\): tls\.key does not belong to the first certificate in tls\.crt \(for DNS:cache\.example\.com, DNS:berth-hub\.cache\.svc\)/);
  });

  it('refuses a certificate that is no PEM (a DER file, or the wrong file)', () => {
    refuses(tlsSecret('cache-tls', { cert: Buffer.from([0x30, 0x82, 0x01]), key: cache.key }), /tls\.crt holds no PEM certificate/);
  });
});
