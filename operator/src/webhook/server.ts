// The webhook's HTTPS endpoint: POST /mutate-pods takes an AdmissionReview and answers one; GET /healthz. A new
// certificate replaces the old one in place (setSecureContext): connections in flight finish on the old one.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observe/logger.ts';

const MUTATE_PODS_PATH = '/mutate-pods';
// A pod is at most ~1.5 MiB in etcd; the review holds it and its old version.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BadReviewError extends Error {
  override name = 'BadReviewError';
  readonly code = 'BAD_REQUEST';
}

export type ReviewHandler = (body: unknown) => Promise<object>;

export interface WebhookServer {
  readonly port: number;
  setCertificate(pair: { cert: string; key: string }): void;
  close(): Promise<void>;
}

export async function startWebhookServer(opts: { host: string; port: number; certificate: { cert: string; key: string }; handle: ReviewHandler; log: Logger }): Promise<WebhookServer> {
  const server: Server = createServer({ cert: opts.certificate.cert, key: opts.certificate.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: object): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (path !== MUTATE_PODS_PATH) return reply(404, { error: `no such path: ${path}` });
    if (req.method !== 'POST') return reply(405, { error: 'POST an AdmissionReview' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reply(413, { error: `the review is larger than ${MAX_BODY_BYTES} bytes` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      opts.handle(body)
        .then((answer) => reply(200, answer))
        .catch((error: unknown) => {
          if (error instanceof BadReviewError) return reply(400, { error: error.message });
          opts.log.error('webhook request failed', { error: (error as Error).message });
          reply(500, { error: 'internal error' });
        });
    });
  });
  // The apiserver keeps connections open; a reload must not wait for them.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    setCertificate: (pair) => server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
