import assert from 'node:assert/strict';
import type { Server } from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { createTestCa, type TestCa } from '@berth/e2e';
import type { CertificatePair } from '@berth/contracts/tls';
import { readCertificatePair } from '../tls/files.ts';
import { createSecureProxyServer, replaceCertificate } from './secure-server.ts';

describe('the HTTPS server', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let first: CertificatePair;
  let second: CertificatePair;
  let server: Server;
  let port: number;
  /** Waiters for the next failed handshake's code. */
  const waiting: ((code: string) => void)[] = [];
  const nextFailure = () => new Promise<string>((resolve) => waiting.push(resolve));

  before(async () => {
    ca = await createTestCa();
    const [a, b] = await Promise.all([ca.issue('first', ['DNS:first.test']), ca.issue('second', ['DNS:second.test'])]);
    [first, second] = await Promise.all([readCertificatePair(a.cert, a.key), readCertificatePair(b.cert, b.key)]);
    server = createSecureProxyServer((_req, res) => res.end('served'), first, { onHandshakeFailure: (code) => waiting.splice(0).forEach((w) => w(code)) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await ca?.dispose();
  });

  /** Shakes hands and sends one request; gives the certificate's names, the protocol, ALPN and the answer. */
  function request(opts: ConnectionOptions = {}): Promise<{ names: string | undefined; protocol: string | null; alpn: string | false | null; answer: string }> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'first.test', ca: [first.cert, second.cert].join('\n'), rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'], ...opts }, () => {
        const names = socket.getPeerCertificate().subjectaltname;
        const protocol = socket.getProtocol();
        const alpn = socket.alpnProtocol;
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve({ names, protocol, alpn, answer: Buffer.concat(chunks).toString() }));
        socket.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      });
      socket.on('error', reject);
    });
  }

  it('serves HTTP/1.1 over TLS 1.2 or newer, and picks http/1.1 over h2 in ALPN', async () => {
    const got = await request();
    assert.equal(got.names, 'DNS:first.test');
    assert.ok(got.protocol === 'TLSv1.2' || got.protocol === 'TLSv1.3', String(got.protocol));
    assert.equal(got.alpn, 'http/1.1');
    assert.match(got.answer, /\r\n\r\nserved$/);
  });

  it('refuses TLS 1.1, and reports the failed handshake with its code', async () => {
    const failure = nextFailure();
    await assert.rejects(request({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }));
    assert.match(await failure, /VERSION|PROTOCOL/i);
  });

  it('answers a plain HTTP request on this port with a 400 that says to use https', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1', () => socket.end('GET /v2/ HTTP/1.1\r\nhost: x\r\n\r\n'));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /this port speaks HTTPS/);
  });

  it('replaceCertificate: new connections get the new pair', async () => {
    replaceCertificate(server, second);
    try {
      assert.equal((await request()).names, 'DNS:second.test');
    } finally {
      replaceCertificate(server, first);
    }
  });
});
