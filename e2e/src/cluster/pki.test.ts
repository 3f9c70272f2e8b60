import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certSpecs, ensurePki, leafOpensslConfig, subjectOf } from './pki.ts';

const run = promisify(execFile);

describe('control plane PKI', () => {
  it('makes client certificates for client auth and the serving certificate for loopback names', () => {
    const admin = certSpecs.find((s) => s.name === 'admin')!;
    assert.equal(subjectOf(admin), '/O=system:masters/CN=berth-admin');
    assert.match(leafOpensslConfig(admin), /extendedKeyUsage = clientAuth/);
    const apiserver = leafOpensslConfig(certSpecs.find((s) => s.name === 'apiserver')!);
    assert.match(apiserver, /extendedKeyUsage = serverAuth/);
    assert.match(apiserver, /subjectAltName = IP:127\.0\.0\.1, DNS:localhost/);
  });

  it('escapes slashes in subject values', () => {
    assert.equal(subjectOf({ commonName: 'a/b' }), '/CN=a\\/b');
  });

  describe('with openssl', function () {
    this.timeout(60_000); // a dozen openssl runs: seconds on a loaded machine
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'berth-pki-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('signs every leaf with the CA and leaves a complete PKI untouched', async () => {
      const pki = await ensurePki(join(dir, 'pki'));
      const leaves = certSpecs.map((s) => pki.cert(s.name).cert);
      const { stdout } = await run('openssl', ['verify', '-CAfile', pki.caCert, ...leaves]);
      assert.equal(stdout.trim().split('\n').filter((l) => l.endsWith(': OK')).length, certSpecs.length);
      const { stdout: subject } = await run('openssl', ['x509', '-in', pki.cert('admin').cert, '-noout', '-subject']);
      assert.match(subject, /O = system:masters, CN = berth-admin/);
      const ca = readFileSync(pki.caCert, 'utf8');
      await ensurePki(join(dir, 'pki'));
      assert.equal(readFileSync(pki.caCert, 'utf8'), ca);
    });
  });
});
