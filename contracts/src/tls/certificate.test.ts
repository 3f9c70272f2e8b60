import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createTestCa, type IssuedCertificate, type TestCa } from '@berth/e2e';
import { parseCertificatePair } from './certificate.ts';
import { TlsCertificateError, type TlsErrorCode } from './errors.ts';

describe('serving certificate pair', function () {
  this.timeout(60_000); // openssl runs
  let ca: TestCa;
  let cache: IssuedCertificate;
  let other: IssuedCertificate;
  const source = { cert: 'tls.crt', key: 'tls.key' };

  before(async () => {
    ca = await createTestCa();
    [cache, other] = await Promise.all([ca.issue('cache', ['DNS:cache.example.com', 'IP:127.0.0.1']), ca.issue('other', ['DNS:other.example.com'])]);
  });
  after(() => ca?.dispose());

  const refuses = (cert: Buffer, key: Buffer, code: TlsErrorCode, message: RegExp) =>
    assert.throws(() => parseCertificatePair(cert, key, source), (err: unknown) => {
      assert.ok(err instanceof TlsCertificateError);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      // Nothing of the key reaches the message: not a line of its base64.
      for (const line of key.toString('utf8').split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) assert.ok(!err.message.includes(line));
      return true;
    });

  it('reads a matching pair: its names, expiry and fingerprint', async () => {
    const pair = parseCertificatePair(await readFile(cache.cert), await readFile(cache.key), source);
    assert.deepEqual(pair.names, ['DNS:cache.example.com', 'IP Address:127.0.0.1']);
    assert.ok(pair.notAfter.getTime() > Date.now());
    assert.match(pair.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.match(pair.contentDigest, /^[0-9a-f]{64}$/);
  });

  it('takes a chain with the leaf first (the CA after it, as cert-manager writes tls.crt)', async () => {
    const chain = Buffer.concat([await readFile(cache.cert), await readFile(ca.caCert)]);
    assert.deepEqual(parseCertificatePair(chain, await readFile(cache.key), source).names, ['DNS:cache.example.com', 'IP Address:127.0.0.1']);
  });

  it('refuses a key of another certificate, naming the certificate it should belong to', async () => {
    refuses(await readFile(cache.cert), await readFile(other.key), 'TLS_KEY_MISMATCH', /^tls\.key does not belong to the first certificate in tls\.crt \(for DNS:cache\.example\.com, IP Address:127\.0\.0\.1\): the pair must match, the leaf first in the chain$/);
  });

  it('refuses a chain whose first certificate is the CA', async () => {
    const reversed = Buffer.concat([await readFile(ca.caCert), await readFile(cache.cert)]);
    refuses(reversed, await readFile(cache.key), 'TLS_KEY_MISMATCH', /the leaf first in the chain/);
  });

  it('refuses a certificate file without a certificate, and a damaged one', async () => {
    refuses(Buffer.from('hello'), await readFile(cache.key), 'TLS_CERT_INVALID', /^tls\.crt holds no PEM certificate/);
    const damaged = Buffer.from((await readFile(cache.cert, 'utf8')).replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!'));
    refuses(damaged, await readFile(cache.key), 'TLS_CERT_INVALID', /^tls\.crt is not a readable PEM certificate/);
  });

  it('refuses a key file that holds no key, or a certificate instead of the key', async () => {
    refuses(await readFile(cache.cert), Buffer.from(''), 'TLS_KEY_INVALID', /^tls\.key is not an unencrypted PEM private key/);
    refuses(await readFile(cache.cert), await readFile(cache.cert), 'TLS_KEY_INVALID', /^tls\.key is not an unencrypted PEM private key/);
  });
});
