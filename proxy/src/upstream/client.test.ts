// The upstream client against a local HTTP server that misbehaves on purpose: the deadline bounds every attempt
// before the headers and never cuts a body; a redirect loop is final.
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
});
