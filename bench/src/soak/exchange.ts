// One HTTP exchange of a soak client, on that client's own keep-alive agent (its own connections, as separate
// nodes pulling have): the whole body is hashed as it streams, never held, except its first bytes (enough for an
// error document). A broken connection or a timeout is an answer too, recorded as `broken`, never thrown.
import { createHash } from 'node:crypto';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  method: string;
  /** The path and query asked for (no credentials ever go into URLs here). */
  target: string;
  /** 0 when no answer arrived. */
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  /** sha256:<hex> of the body as received. */
  digest: string;
  /** The body's first bytes (up to HEAD_BYTES). */
  head: Buffer;
  /** Why the exchange broke before the answer was whole: refused, reset, timed out. */
  broken?: string;
  /** performance.now() at the request and at the end of the answer. */
  startedMs: number;
  endedMs: number;
}

export const HEAD_BYTES = 64 * 1024;

export interface ExchangeOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Whole exchange, headers and body; default 2 minutes (a 30 MB cold layer on a loaded machine). */
  timeoutMs?: number;
}

export function exchange(agent: Agent, base: URL, target: string, opts: ExchangeOptions = {}): Promise<Answer> {
  const method = opts.method ?? 'GET';
  const startedMs = performance.now();
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headLength = 0;
  let bytes = 0;
  let status = 0;
  let headers: IncomingHttpHeaders = {};
  return new Promise<Answer>((resolve) => {
    let settled = false;
    const finish = (broken?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        method, target, status, headers, bytes, digest: `sha256:${hash.digest('hex')}`, head: Buffer.concat(head),
        ...(broken ? { broken } : {}), startedMs, endedMs: performance.now(),
      });
    };
    const req = request(new URL(target, base), { method, agent, headers: opts.headers ?? {} }, (res) => {
      status = res.statusCode ?? 0;
      headers = res.headers;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        hash.update(chunk);
        if (headLength < HEAD_BYTES) {
          const part = chunk.subarray(0, HEAD_BYTES - headLength);
          head.push(Buffer.from(part));
          headLength += part.byteLength;
        }
      });
      res.once('end', () => finish());
      res.once('error', (err) => finish(describe(err)));
      res.once('close', () => finish(res.complete ? undefined : 'connection closed before the body was whole'));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no whole answer within ${opts.timeoutMs ?? 120_000} ms`));
    }, opts.timeoutMs ?? 120_000);
    req.once('error', (err) => finish(describe(err)));
    req.end();
  });
}

function describe(err: Error): string {
  const code = (err as { code?: string }).code;
  return code && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
}
