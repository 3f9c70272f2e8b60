// The upstream client against a local HTTP server that misbehaves on purpose: the deadline bounds every attempt
// before the headers and never cuts a body; a redirect loop is final; a redirect to another origin (a CDN, a
// presigned storage URL) does not carry the registry's Authorization there.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamClient } from './client.ts';
import { UpstreamError } from './errors.ts';

describe('UpstreamClient: deadline, retries and redirects', () => {
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  let seen: string[];
  let client: UpstreamClient;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  beforeEach(() => {
    seen = [];
    const { port } = server.address() as AddressInfo;
    client = new UpstreamClient(
      { upstream: `http://127.0.0.1:${port}`, registry: 'test.example' },
      // undici's timers tick at about 1 s for timeouts of a second and more: these are the shortest that fire on time.
      { headersTimeoutMs: 1_000, bodyTimeoutMs: 5_000, deadlineMs: 2_500, backoffMs: 20 },
    );
  });
  afterEach(async () => {
    await client.close();
    server.closeAllConnections();
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const get = (path = '/v2/app/blobs/x') => client.send({ method: 'GET', path, repository: 'app' });

  it('an upstream that never answers: attempts until the deadline, then one error that says so', async () => {
    handler = () => undefined;
    const err = await get().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UpstreamError && err.kind === 'unavailable', String(err));
    assert.match(err.message, /no answer within the 2500 ms deadline \(last attempt: .*HEADERS_TIMEOUT/);
    assert.equal(err.status, undefined);
    assert.ok(seen.length >= 2 && seen.length <= 4, `${seen.length} attempts`);
  });

  it('a 503 until the deadline stays a 503 (its status reaches the client)', async () => {
    handler = (_req, res) => void setTimeout(() => res.writeHead(503, { 'content-length': 0 }).end(), 1_000);
    const err = await get().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UpstreamError && err.status === 503, String(err));
  });

  it('the deadline ends with the headers: a slow body is read whole', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': 6 });
      res.write('abc');
      setTimeout(() => res.end('def'), 3_000);
    };
    const res = await get();
    assert.equal(Buffer.from(await res.body.arrayBuffer()).toString(), 'abcdef');
  });

  it('a redirect loop is final: one attempt of six hops, not four', async () => {
    handler = (req, res) => res.writeHead(302, { location: req.url, 'content-length': 0 }).end();
    const err = await get().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof UpstreamError, String(err));
    assert.match(err.message, /too many redirects/);
    assert.equal(seen.length, 6);
  });

  describe('Authorization and redirects', () => {
    let other: Server;
    let otherSeen: { url: string; authorization: string | undefined }[];
    before(async () => {
      other = createServer((req, res) => {
        otherSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
        res.writeHead(200, { 'content-length': 5 }).end('bytes');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    });
    after(() => new Promise((resolve) => other.close(resolve)));

    const authorizations: Record<string, string | undefined> = {};
    /** A registry behind an anonymous Bearer token service that redirects blob GETs to `location(req)`. */
    const registryRedirectingTo = (location: (req: IncomingMessage) => string) => {
      otherSeen = [];
      const { port } = server.address() as AddressInfo;
      handler = (req, res) => {
        authorizations[req.url ?? ''] = req.headers.authorization;
        if (req.url?.startsWith('/token')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'registry-token', expires_in: 300 }));
        } else if (req.headers.authorization !== 'Bearer registry-token') {
          res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test"`, 'content-length': 0 }).end();
        } else if (req.url === '/v2/app/blobs/x') {
          res.writeHead(307, { location: location(req), 'content-length': 0 }).end();
        } else {
          res.writeHead(200, { 'content-length': 5 }).end('local');
        }
      };
    };

    it('a redirect to another origin goes there without the registry\'s Authorization', async () => {
      const { port } = other.address() as AddressInfo;
      registryRedirectingTo(() => `http://127.0.0.1:${port}/storage/x?signature=abc`);
      const res = await get();
      assert.equal(Buffer.from(await res.body.arrayBuffer()).toString(), 'bytes');
      assert.deepEqual(otherSeen, [{ url: '/storage/x?signature=abc', authorization: undefined }]);
    });

    it('a redirect within the registry\'s own origin keeps its Authorization', async () => {
      registryRedirectingTo(() => '/v2/app/blobs/x-moved');
      const res = await get();
      assert.equal(Buffer.from(await res.body.arrayBuffer()).toString(), 'local');
      assert.equal(authorizations['/v2/app/blobs/x-moved'], 'Bearer registry-token');
    });
  });
});
