import assert from 'node:assert/strict';
import { silentLogger } from '../observe/logger.ts';
import { CertKeeper, ConflictError, type StoredTls, type TlsSecretStore } from './cert-keeper.ts';
import { DEFAULT_CERT_POLICY, planCertificates, SECRET_KEYS } from './cert-plan.ts';

/** A Secret in memory with resourceVersion checks, as the apiserver does them. */
class MemorySecret implements TlsSecretStore {
  stored: StoredTls | undefined;
  writes = 0;
  /** Before the next write, someone else writes this (a second replica). */
  interleave: StoredTls['data'] | undefined;
  private version = 0;

  async read(): Promise<StoredTls | undefined> {
    return this.stored && structuredClone(this.stored);
  }

  async write(data: StoredTls['data'], resourceVersion: string | undefined): Promise<void> {
    if (this.interleave) {
      this.stored = { data: this.interleave, resourceVersion: String(++this.version) };
      this.interleave = undefined;
    }
    if ((this.stored?.resourceVersion ?? undefined) !== resourceVersion) throw new ConflictError('conflict');
    this.writes++;
    this.stored = { data: structuredClone(data), resourceVersion: String(++this.version) };
  }
}

const policy = { ...DEFAULT_CERT_POLICY, dnsNames: ['berth-webhook.berth.svc'], ips: [] };

describe('webhook: certificate keeper', function () {
  this.timeout(20_000);

  it('creates the Secret, loads the pair and writes the CA bundle; a second replica loads the same pair without writing', async () => {
    const secret = new MemorySecret();
    const bundles: string[] = [];
    const loaded: string[] = [];
    const keeper = (): CertKeeper => new CertKeeper({ store: secret, issue: { policy, caBundle: { sync: async (b) => (bundles.push(b), true) } }, load: (p) => loaded.push(p.cert), log: silentLogger });
    const a = keeper();
    await a.sync();
    assert.equal(secret.writes, 1);
    assert.equal(a.ready, true);
    const b = keeper();
    await b.sync();
    assert.equal(secret.writes, 1, 'the second replica found a good certificate');
    assert.deepEqual(loaded, [secret.stored!.data[SECRET_KEYS.cert], secret.stored!.data[SECRET_KEYS.cert]]);
    assert.deepEqual(bundles, [secret.stored!.data[SECRET_KEYS.caBundle], secret.stored!.data[SECRET_KEYS.caBundle]]);
  });

  it('when another replica wrote first, serves that replica\'s certificate', async () => {
    const secret = new MemorySecret();
    const other = new MemorySecret();
    await new CertKeeper({ store: other, issue: { policy }, load: () => {}, log: silentLogger }).sync();
    secret.interleave = other.stored!.data;
    const loaded: string[] = [];
    await new CertKeeper({ store: secret, issue: { policy }, load: (p) => loaded.push(p.cert), log: silentLogger }).sync();
    assert.deepEqual(loaded, [other.stored!.data[SECRET_KEYS.cert]]);
  });

  it('with certificates managed elsewhere, only loads them, and fails until they exist', async () => {
    const secret = new MemorySecret();
    const keeper = new CertKeeper({ store: secret, load: () => {}, log: silentLogger });
    await assert.rejects(keeper.sync(), /cert-manager writes them/);
    assert.equal(keeper.ready, false);
    secret.stored = { data: { 'tls.crt': 'not a certificate', 'tls.key': 'K' }, resourceVersion: '1' };
    await assert.rejects(keeper.sync(), /not a PEM certificate/);
    // what cert-manager writes: tls.crt, tls.key, ca.crt
    const { material } = planCertificates(undefined, policy, Date.now());
    secret.stored = { data: { 'tls.crt': material.cert, 'tls.key': material.key, 'ca.crt': material.caBundle }, resourceVersion: '2' };
    const loaded: string[] = [];
    let expiry = 0;
    await new CertKeeper({ store: secret, load: (p) => loaded.push(p.cert), log: silentLogger, onExpiry: (ms) => { expiry = ms; } }).sync();
    assert.deepEqual(loaded, [material.cert]);
    assert.ok(expiry > Date.now());
    assert.equal(secret.writes, 0);
  });
});
