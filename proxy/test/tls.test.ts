// HTTPS on the proxy, with real clients: skopeo and containerd pull through it trusting the test's CA (and fail
// without it), a plain HTTP request on the HTTPS port gets a 400 that says so, broken and old handshakes end
// their connection and nothing else, and the certificate is replaced without a restart when its Secret volume is
// swapped the way the kubelet swaps it — a broken new pair keeps the one in use.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import {
  buildImage, CommandError, createTestCa, freePort, proxyCliCommand, pullImage, pushImage, run, secretVolume, startContainerd, startRegistry, waitFor, writeHostsToml,
  type Containerd, type IssuedCertificate, type Registry, type SecretVolume, type TestCa, type TestImage,
} from '@berth/e2e';
import { errorCodes, proxyWith, type ProxyUnderTest } from './fixture.ts';
import { rawRequest } from './raw-http.ts';

describe('proxy: HTTPS @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let image: TestImage;
  let ca: TestCa;
  let served: IssuedCertificate;
  let rotated: IssuedCertificate;
  let volume: SecretVolume;
  let certDir: string;
  let caPem: Buffer;
  let tlsPort: number;
  let cache: ProxyUnderTest;
  const project = (url: string) => [{ name: 'docker-hub', registry: 'docker.io', upstream: url }];
  const pair = async (cert: IssuedCertificate, key: IssuedCertificate = cert) => ({ 'tls.crt': await readFile(cert.cert), 'tls.key': await readFile(key.key) });
  const tlsHost = () => `127.0.0.1:${tlsPort}`;

  before(async () => {
    [upstream, image, ca, tlsPort] = await Promise.all([startRegistry(), buildImage({ layerSizes: [300_000] }), createTestCa(), freePort()]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    [served, rotated] = await Promise.all([
      ca.issue('served', ['IP:127.0.0.1', 'DNS:localhost']),
      ca.issue('rotated', ['IP:127.0.0.1', 'DNS:cache.test']),
    ]);
    caPem = await readFile(ca.caCert);
    // skopeo's cert dir: the CA alone (every *.crt in it is trusted).
    certDir = join(ca.dir.path, 'trust');
    await mkdir(certDir);
    await copyFile(ca.caCert, join(certDir, 'ca.crt'));
    volume = await secretVolume(join(ca.dir.path, 'secret'), await pair(served));
    cache = await proxyWith(project(upstream.url), { tls: { port: tlsPort, certFile: join(volume.dir, 'tls.crt'), keyFile: join(volume.dir, 'tls.key') } });
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose(), ca?.dispose()]);
  });

  /** The names of the certificate the HTTPS port shows now (a new connection each time). */
  function servedNames(opts: ConnectionOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: [caPem], ...opts }, () => {
        resolve(socket.getPeerCertificate().subjectaltname ?? '');
        socket.end();
      });
      socket.on('error', reject);
    });
  }

  /** Whether the process still serves over HTTPS: a verified GET of /v2/. */
  async function stillServes(): Promise<void> {
    assert.equal(cache.proxy.process.exitCode, null, 'the proxy process exited');
    const names = await servedNames();
    assert.ok(names.length > 0);
    assert.equal((await fetch(`${cache.proxy.url}/v2/`)).status, 200);
  }

  it('serves the certificate from the Secret volume, TLS 1.2 and 1.3, HTTP/1.1 over ALPN', async () => {
    assert.equal(await servedNames(), 'IP Address:127.0.0.1, DNS:localhost');
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: [caPem], minVersion: version, maxVersion: version, ALPNProtocols: ['h2', 'http/1.1'] }, () => resolve(s));
        s.on('error', reject);
      });
      assert.equal(socket.getProtocol(), version);
      assert.equal(socket.alpnProtocol, 'http/1.1');
      socket.end();
    }
  });

  it('lets skopeo pull over verified HTTPS when it trusts the CA', async () => {
    const pulled = await pullImage(`${tlsHost()}/docker.io/library/app:v1`, { certDir });
    try {
      assert.ok((await pulled.blobDigests()).includes(image.layerDigests[0]!));
    } finally {
      await pulled.dir.remove();
    }
  });

  it('is refused by skopeo that does not trust the CA, and counts the rejection', async () => {
    const empty = join(ca.dir.path, 'empty-trust');
    await mkdir(empty, { recursive: true });
    await assert.rejects(pullImage(`${tlsHost()}/docker.io/library/app:v1`, { certDir: empty }), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.match(err.stderr, /certificate signed by unknown authority/);
      return true;
    });
    const metrics = await (await fetch(`${cache.proxy.url}/metrics`)).text();
    assert.match(metrics, /berth_tls_handshake_failures_total\{reason="client_rejected_certificate"\} [1-9]/);
  });

  describe('containerd', () => {
    let containerd: Containerd;
    before(async () => (containerd = await startContainerd()));
    after(() => containerd?.stop());

    it('pulls through the HTTPS port with the CA named in hosts.toml (the form docs/operations.md gives)', async () => {
      const hostsDir = join(ca.dir.path, 'certs.d');
      // server: a closed port, so the image can only come through the mirror.
      await writeHostsToml(hostsDir, 'docker.io', [{ url: `https://${tlsHost()}/v2/docker.io`, overridePath: true, ca: ca.caCert }], `http://127.0.0.1:${await freePort()}`);
      await containerd.pull('docker.io/library/app:v1', { hostsDir });
      assert.match(await containerd.ctr(['images', 'ls', '-q']), /docker\.io\/library\/app:v1/);
    });
  });

  it('answers plain HTTP on the HTTPS port with a 400 that says to use https', async () => {
    const result = await rawRequest(tlsPort, 'GET /v2/ HTTP/1.1\r\nHost: cache\r\n');
    assert.ok(result.ok, result.ok ? '' : result.problem);
    assert.equal(result.response.status, 400);
    assert.deepEqual(errorCodes(result.response.body), ['UNSUPPORTED']);
    assert.match(result.response.body.toString(), /this port speaks HTTPS/);
    await stillServes();
  });

  it('ends bad and old handshakes without harm to the process or other clients', async () => {
    // TLS 1.0 and 1.1: refused by the server's minimum (the client lowers its own floor to offer them).
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      await assert.rejects(servedNames({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }), /protocol|version|alert/i, version);
    }
    const garbage: Buffer[] = [
      Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), // a handshake record claiming 64 KB, then nothing
      Buffer.from([0x16, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5]), // a record too short for a ClientHello
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), Buffer.alloc(512, 0x41)]),
      Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02]), // an SSLv2-style hello
      Buffer.alloc(0), // connect, then close
    ];
    for (let i = 0; i < 40; i++) garbage.push(Buffer.concat([Buffer.from([0x16, 0x03, i % 4]), randomBytesOf(1 + i * 37)]));
    await Promise.all(garbage.map((bytes) => sendAndClose(bytes)));
    await stillServes();
    const metrics = await (await fetch(`${cache.proxy.url}/metrics`)).text();
    assert.match(metrics, /berth_tls_handshake_failures_total\{reason="protocol_version"\} [1-9]/);
    assert.match(metrics, /berth_tls_handshake_failures_total\{reason="malformed"\} [1-9]/);
  });

  it('serves other clients while a connection stays silent before its handshake', async () => {
    const silent = await new Promise<Socket>((resolve) => {
      const s = connect(tlsPort, '127.0.0.1', () => resolve(s));
    });
    try {
      await stillServes();
    } finally {
      silent.destroy();
    }
  });

  it('does not start on a pair that cannot be served, and says which file is wrong', async () => {
    const cli = proxyCliCommand();
    const args = [
      ...cli.args, 'serve', '--listen', `127.0.0.1:${await freePort()}`, '--storage', join(ca.dir.path, 'refused-storage'), '--upstream', `docker.io=${upstream.url}`,
      '--tls-listen', `127.0.0.1:${await freePort()}`, '--tls-cert', served.cert, '--tls-key', rotated.key,
    ];
    await assert.rejects(run(cli.command, args, { cwd: cli.cwd, timeoutMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.exitCode, 2);
      assert.match(err.stderr, /^berth-proxy: tls: \S+rotated\.key does not belong to the first certificate in \S+served\.crt \(for IP Address:127\.0\.0\.1, DNS:localhost\): the pair must match, the leaf first in the chain \[TLS_KEY_MISMATCH\]$/);
      return true;
    });
  });

  describe('rotation', () => {
    it('serves the new certificate after the Secret volume swap, without a restart', async () => {
      const pid = cache.proxy.process.pid;
      await volume.update(await pair(rotated));
      await waitFor(async () => (await servedNames()) === 'IP Address:127.0.0.1, DNS:cache.test', { what: 'the rotated certificate to be served', timeoutMs: 30_000 });
      assert.equal(cache.proxy.process.pid, pid);
      assert.equal(cache.proxy.process.exitCode, null);
      assert.match(await cache.proxy.log(), /"message":"TLS certificate reloaded"/);
      const metrics = await (await fetch(`${cache.proxy.url}/metrics`)).text();
      assert.match(metrics, /berth_tls_reloads_total\{result="reloaded"\} 1/);
    });

    it('keeps the certificate in use when the new pair is broken, and says why in the log', async () => {
      await volume.update(await pair(served, rotated)); // the certificate of one, the key of the other
      const refusal = await waitFor(async () => (await cache.proxy.log()).split('\n').find((l) => l.includes('TLS certificate not reloaded')), {
        what: 'the refusal of the broken pair in the log', timeoutMs: 30_000,
      });
      const line = JSON.parse(refusal) as { level: string; code: string; reason: string };
      assert.equal(line.level, 'warn');
      assert.equal(line.code, 'TLS_KEY_MISMATCH');
      assert.match(line.reason, /does not belong to the first certificate/);
      const key = (await readFile(rotated.key, 'utf8')).split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));
      for (const l of key) assert.ok(!(await cache.proxy.log()).includes(l), 'a line of the key reached the log');
      assert.equal(await servedNames(), 'IP Address:127.0.0.1, DNS:cache.test');
      const pulled = await pullImage(`${tlsHost()}/docker.io/library/app:v1`, { certDir });
      await pulled.dir.remove();
    });

    it('takes the next good pair after a broken one', async () => {
      await volume.update(await pair(served));
      await waitFor(async () => (await servedNames()) === 'IP Address:127.0.0.1, DNS:localhost', { what: 'the good pair after the broken one', timeoutMs: 30_000 });
    });
  });

  /** Connects to the HTTPS port, writes `bytes`, and waits until the server has closed the connection. */
  function sendAndClose(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect(tlsPort, '127.0.0.1', () => {
        if (bytes.length > 0) socket.write(bytes);
        socket.end();
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
  }
});

function randomBytesOf(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + 17) % 256;
  return out;
}
