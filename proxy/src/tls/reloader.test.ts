import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestCa, secretVolume, type IssuedCertificate, type SecretVolume, type TestCa } from '@berth/e2e';
import type { CertificatePair, TlsCertificateError } from '@berth/contracts/tls';
import { readCertificatePair } from './files.ts';
import { CertificateReloader } from './reloader.ts';

describe('certificate reloader (a Secret volume swapped the way the kubelet does)', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let first: IssuedCertificate;
  let second: IssuedCertificate;
  let volume: SecretVolume;
  let reloader: CertificateReloader | undefined;
  const files = async (cert: IssuedCertificate, key: IssuedCertificate = cert) => ({ 'tls.crt': await readFile(cert.cert), 'tls.key': await readFile(key.key) });
  const certFile = () => join(volume.dir, 'tls.crt');
  const keyFile = () => join(volume.dir, 'tls.key');

  before(async () => {
    ca = await createTestCa();
    [first, second] = await Promise.all([ca.issue('first', ['DNS:first.test']), ca.issue('second', ['DNS:second.test'])]);
  });
  beforeEach(async () => {
    volume = await secretVolume(join(ca.dir.path, `volume-${Date.now()}`), await files(first));
  });
  afterEach(() => reloader?.stop());
  after(() => ca?.dispose());

  /** A reloader over the volume, recording what it applied and refused. */
  async function follow(pollMs = 3_600_000) {
    // The poll is the safety net; these tests see what the watch and explicit checks do, so it never fires here.
    const applied: CertificatePair[] = [];
    const refused: TlsCertificateError[] = [];
    const events: (() => void)[] = [];
    const notify = () => events.splice(0).forEach((f) => f());
    reloader = new CertificateReloader({
      certFile: certFile(), keyFile: keyFile(), current: await readCertificatePair(certFile(), keyFile()), pollMs,
      apply: (pair) => applied.push(pair),
      onReloaded: notify,
      onRefused: (err) => (refused.push(err), notify()),
    });
    const next = () => new Promise<void>((resolve) => events.push(resolve));
    return { applied, refused, next };
  }

  it('finds nothing to do while the files stay as they are', async () => {
    const { applied } = await follow();
    assert.equal(await reloader!.check(), 'unchanged');
    assert.equal(applied.length, 0);
  });

  it('serves the new pair after the ..data swap, seen by the directory watch alone', async () => {
    const { applied, next } = await follow();
    reloader!.start();
    const reloaded = next();
    await volume.update(await files(second));
    await reloaded;
    assert.deepEqual(applied.map((p) => p.names), [['DNS:second.test']]);
    assert.deepEqual(reloader!.pair.names, ['DNS:second.test']);
  });

  it('keeps the pair in use when the new one does not match, says so once, and takes the next good one', async () => {
    const { applied, refused } = await follow();
    await volume.update(await files(second, first));
    assert.equal(await reloader!.check(), 'refused');
    assert.equal(await reloader!.check(), 'refused');
    assert.equal(refused.length, 1, 'the same fault is reported once');
    assert.equal(refused[0]!.code, 'TLS_KEY_MISMATCH');
    assert.deepEqual(reloader!.pair.names, ['DNS:first.test']);
    assert.equal(applied.length, 0);
    await volume.update(await files(second));
    assert.equal(await reloader!.check(), 'reloaded');
    assert.deepEqual(reloader!.pair.names, ['DNS:second.test']);
  });

  it('keeps the pair in use when a key is missing from the volume', async () => {
    const { refused } = await follow();
    await volume.update({ 'tls.crt': await readFile(second.cert) });
    assert.equal(await reloader!.check(), 'refused');
    assert.equal(refused[0]!.code, 'TLS_FILE_UNREADABLE');
    assert.match(refused[0]!.message, /tls\.key cannot be read \(ENOENT\)$/);
    assert.deepEqual(reloader!.pair.names, ['DNS:first.test']);
  });

  it('runs overlapping checks as one look and one more after it, applying a change once', async () => {
    const { applied } = await follow();
    await volume.update(await files(second));
    const outcomes = await Promise.all([reloader!.check(), reloader!.check()]);
    // The second caller shares the running look; the look after it finds the files unchanged.
    assert.deepEqual(outcomes, ['reloaded', 'reloaded']);
    assert.equal(applied.length, 1);
    assert.equal(await reloader!.check(), 'unchanged');
  });
});
