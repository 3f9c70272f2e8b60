import assert from 'node:assert/strict';
import { createServer, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerWithRequestId, ProxyResponse } from './response.ts';

/** Every way a handler writes its answer, each behind its own path. */
function answer(res: ServerResponse, path: string): void {
  answerWithRequestId(res, `id-of-${path.slice(1)}`);
  if (path === '/object') res.writeHead(200, { 'content-type': 'text/plain' }).end('a');
  else if (path === '/reason') res.writeHead(201, 'Made', { 'content-type': 'text/plain' }).end('b');
  else if (path === '/array') res.writeHead(200, ['content-type', 'text/plain']).end('c');
  else if (path === '/bare') res.writeHead(204).end();
  else res.end('implicit');
}

describe('ProxyResponse', () => {
  for (const withClass of [true, false]) {
    describe(withClass ? 'as the server\'s response class' : 'on a plain ServerResponse (setHeader)', () => {
      let server: Server;
      let base: string;
      before(async () => {
        server = withClass ? createServer({ ServerResponse: ProxyResponse }, (req, res) => answer(res, req.url!)) : createServer((req, res) => answer(res, req.url!));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(() => new Promise<void>((resolve) => server.close(() => resolve())));

      for (const [path, status] of [['/object', 200], ['/reason', 201], ['/array', 200], ['/bare', 204], ['/implicit', 200]] as const) {
        it(`${path}: answers ${status} with its own headers and its x-request-id`, async () => {
          const res = await fetch(base + path);
          assert.equal(res.status, status);
          assert.equal(res.headers.get('x-request-id'), `id-of-${path.slice(1)}`);
          if (path !== '/bare' && path !== '/implicit') assert.equal(res.headers.get('content-type'), 'text/plain');
          if (path === '/reason') assert.equal(res.statusText, 'Made');
          await res.arrayBuffer();
        });
      }
    });
  }
});
