// Malformed requests get the spec's error JSON, never a path outside the store, never a 500: bad repository names,
// bad digests, an unknown digest algorithm, `..` segments (sent raw: fetch would normalise them away), and a
// manifest over 4 MiB upstream. No registry on this machine serves such a manifest (distribution refuses to
// store or read one over 4 MiB), so that upstream is a small HTTP server of the test's own that serves nothing else.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRegistry, type Registry } from '@berth/e2e';
import { errorCodes, filesNamed, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { rawRequest, specViolation } from './raw-http.ts';

/** An upstream whose every manifest is `body` (with its true digest and length), on a free loopback port. */
async function serveOneManifest(body: Buffer, mediaType: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/v2/' || !req.url?.includes('/manifests/')) {
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': mediaType, 'content-length': body.byteLength, 'docker-content-digest': sha256(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** GET with the path exactly as given (no URL normalisation), body read whole. */
function rawGet(base: string, path: string): Promise<{ status: number; body: Buffer; contentType: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type']) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxy: malformed requests get OCI error JSON @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let hugeDigest: string;
  let oversized: Server;

  before(async () => {
    upstream = await startRegistry();
    const manifest = {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 2 },
      layers: [], annotations: { padding: 'x'.repeat(5 * 1024 * 1024) },
    };
    const body = Buffer.from(JSON.stringify(manifest));
    hugeDigest = sha256(body);
    oversized = await serveOneManifest(body, manifest.mediaType);
    cache = await proxyWith([
      { name: 'docker-hub', registry: 'docker.io', upstream: upstream.url },
      { name: 'oversized', registry: 'oversized.example.test', upstream: `http://127.0.0.1:${(oversized.address() as AddressInfo).port}` },
    ]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
    oversized?.closeAllConnections();
    await new Promise((resolve) => (oversized ? oversized.close(resolve) : resolve(undefined)));
  });

  const D = `sha256:${'a'.repeat(64)}`;
  const cases: [string, string, number, string][] = [
    ['an upper-case repository name', '/v2/docker.io/Library/App/manifests/v1', 400, 'NAME_INVALID'],
    ['a repository name with a bad separator', '/v2/docker.io/library/app--/manifests/v1', 400, 'NAME_INVALID'],
    ['a digest with bad hex', '/v2/docker.io/library/app/blobs/sha256:xyz', 400, 'DIGEST_INVALID'],
    ['a digest of the wrong length', `/v2/docker.io/library/app/blobs/${D.slice(0, -1)}`, 400, 'DIGEST_INVALID'],
    ['an unknown algorithm (md5)', '/v2/docker.io/library/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e', 400, 'DIGEST_INVALID'],
    ['an unknown algorithm for a manifest', '/v2/docker.io/library/app/manifests/md5:d41d8cd98f00b204e9800998ecf8427e', 400, 'DIGEST_INVALID'],
    ['`..` in the repository', '/v2/docker.io/library/../../../etc/manifests/v1', 400, 'NAME_INVALID'],
    ['`..` in a digest', '/v2/docker.io/library/app/blobs/sha256:../../../../etc/passwd', 400, 'NAME_INVALID'],
    ['percent-encoded `..` in a digest', '/v2/docker.io/library/app/blobs/sha256:%2e%2e%2f%2e%2e%2fetc%2fpasswd', 400, 'NAME_INVALID'],
    ['a `.` segment', '/v2/docker.io/library/./app/manifests/v1', 400, 'NAME_INVALID'],
    ['a digest whose hex is a path', '/v2/docker.io/library/app/blobs/sha256:etc', 400, 'DIGEST_INVALID'],
    ['bad percent-encoding', '/v2/docker.io/library/app%zz/manifests/v1', 400, 'NAME_INVALID'],
    ['a tag outside the grammar', '/v2/docker.io/library/app/manifests/.hidden', 404, 'MANIFEST_UNKNOWN'],
  ];
  for (const [what, path, status, code] of cases) {
    it(`${what}: ${status} ${code}`, async () => {
      const response = await rawGet(cache.proxy.url, path);
      assert.equal(response.status, status, response.body.toString('utf8').slice(0, 300));
      assert.match(response.contentType, /^application\/json/);
      assert.deepEqual(errorCodes(response.body), [code]);
    });
  }

  // Request targets Node's URL parser rejects, or that never reach the request handler (the HTTP parser refuses them,
  // or they are CONNECT): each once took the process down or got a bare socket close. Sent on a raw socket.
  const targets: [string, string][] = [
    ['GET', '//'], ['GET', '//['], ['GET', '//a:b@/'], ['GET', 'http://['], ['GET', 'http://[/v2/'], ['GET', 'http://'],
    ['GET', 'http://x:99999/v2/'], ['GET', 'http://x:port/v2/'], ['HEAD', '//'], ['OPTIONS', 'http://[::1/'],
    ['OPTIONS', '*'], ['GET', '*'], ['GET', '%'], ['GET', '/%'], ['GET', '/v2/%zz/manifests/%'], ['GET', 'a'],
    ['GET', 'x:'], ['GET', '\\\\'], ['GET', `/v2/${'a/'.repeat(20_000)}manifests/v1`],
    ['CONNECT', 'example.com:443'], ['CONNECT', '*'], ['CONNECT', '//'],
  ];
  for (const [method, target] of targets) {
    it(`${method} ${JSON.stringify(target.slice(0, 40))}${target.length > 40 ? '…' : ''}: a 4xx with OCI error JSON, and the process keeps serving`, async () => {
      const answer = await rawRequest(Number(new URL(cache.proxy.url).port), `${method} ${target} HTTP/1.1\r\nHost: x\r\n`);
      assert.ok(answer.ok, answer.ok ? '' : `${answer.problem}: ${JSON.stringify(answer.bytes.toString('latin1').slice(0, 200))}`);
      const { status, body } = answer.response;
      assert.ok(status >= 400 && status < 500, `status ${status}`);
      if (method !== 'HEAD') assert.equal(errorCodes(body).length, 1, `an OCI error body: ${JSON.stringify(body.toString('latin1').slice(0, 200))}`);
      assert.equal(specViolation(answer.response), undefined);
      assert.equal((await fetch(`${cache.proxy.url}/healthz`)).status, 200, 'still serving');
    });
  }

  it('a blob upload (a write) is 405 UNSUPPORTED', async () => {
    const response = await fetch(`${cache.proxy.url}/v2/docker.io/library/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(response.status, 405);
    assert.deepEqual(errorCodes(Buffer.from(await response.arrayBuffer())), ['UNSUPPORTED']);
  });

  it('a 5 MiB manifest upstream is refused with MANIFEST_INVALID, by tag and by digest, and nothing is stored', async () => {
    for (const reference of ['v1', hugeDigest]) {
      const response = await rawGet(cache.proxy.url, `/v2/oversized.example.test/library/huge/manifests/${reference}`);
      assert.ok(response.status >= 400 && response.status < 600, `status ${response.status}`);
      assert.deepEqual(errorCodes(response.body), ['MANIFEST_INVALID'], reference);
    }
    assert.deepEqual(await filesNamed(cache.storage, hugeDigest.slice('sha256:'.length)), []);
  });

  it('the proxy answered every one of them without an internal error', async () => {
    const text = await (await fetch(`${cache.proxy.url}/metrics`)).text();
    assert.doesNotMatch(text, /berth_requests_total\{[^}]*code="500"/);
  });
});
