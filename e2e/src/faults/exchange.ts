// One HTTP request on a connection of its own (closed after it), resolving with whatever arrived, also when the
// connection broke before or during the body: what a test needs to tell an error answer from a broken transfer,
// without a client's pool keeping connections (and the server's file descriptors) open after the test.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Exchange {
  /** Undefined when the connection ended before any answer. */
  status?: number;
  headers?: IncomingHttpHeaders;
  /** The bytes of the body that arrived. */
  body: Buffer;
  /** Why the exchange broke, if it did (before or after the headers). */
  error?: NodeJS.ErrnoException;
}

export interface ExchangeOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Called when the response headers are in. */
  onHeaders?: () => void;
}

export function exchange(url: string, opts: ExchangeOptions = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const answer: Exchange = { body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
    };
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      answer.status = res.statusCode;
      answer.headers = res.headers;
      opts.onHeaders?.();
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done());
      res.on('error', done);
      // A response cut short ends with 'aborted'/'close' before 'end' on some paths: a broken body, not a clean one.
      res.on('close', () => done(res.complete ? undefined : new Error('the connection closed before the body was complete')));
    });
    req.on('error', done);
    req.end();
  });
}
