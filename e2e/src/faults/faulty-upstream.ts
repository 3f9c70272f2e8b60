// A fault-injecting upstream for the real-parts tests: a small HTTP server in front of a real registry that forwards
// every request and, for those a rule matches (method and kind of path), injects one fault instead: the connection
// reset before any answer, no answer at all, an answer that stops mid-body, wrong bytes of the right length, a body
// shorter than its Content-Length, an error status, or a redirect loop. Faults that change a body leave bodiless
// answers (HEAD, errors) as they are: there is nothing in them to break.
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { track } from '../testbed/cleanup.ts';
import { pathKind, type PathKind } from './path-kind.ts';

export type Fault =
  /** The connection is reset (RST) as soon as the request arrives. */
  | { kind: 'reset' }
  /** The request is read and never answered; the connection stays open until the client gives up. */
  | { kind: 'stall-headers' }
  /** Headers and the first half of the body are sent, then nothing more; the connection stays open. */
  | { kind: 'stall-body' }
  /** The whole body, same length, every byte inverted. */
  | { kind: 'wrong-bytes' }
  /** The upstream's Content-Length, half the bytes, then the connection is closed. */
  | { kind: 'short-body' }
  /** This status with a registry-style error body (and Retry-After when given), instead of forwarding. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** 302 to the same URL, or back and forth between the URL and a twin of it (a marker in the query). */
  | { kind: 'redirect-loop'; via: 'self' | 'two-urls' }
  /** The right bytes, without Content-Length (chunked): the size is known only at the end. */
  | { kind: 'no-length' };

export interface FaultRule {
  kind: PathKind;
  /** Only requests of this method; default GET and HEAD alike. */
  method?: 'GET' | 'HEAD';
  fault: Fault;
  /** The rule applies to this many matching requests, then lets them through; default all of them. */
  times?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  kind: PathKind;
  /** The fault injected, if any. */
  fault?: Fault['kind'];
}

export interface FaultyUpstream {
  /** http://127.0.0.1:PORT, to use as a project's upstream. */
  readonly url: string;
  /** Replaces the rules; a request takes the first rule that matches it and has uses left. */
  inject(...rules: FaultRule[]): void;
  /** No more faults: every request is forwarded as it is. */
  clear(): void;
  /** Every request received so far, in order. */
  requests(): readonly SeenRequest[];
  /** Closes every open connection (stalled ones too, and idle keep-alive ones): the client's pool lets go of them. */
  disconnect(): void;
  /** Closes every connection (stalled ones too) and the server. */
  close(): Promise<void>;
}

/** The marker a two-URL redirect loop toggles in the query. */
const LOOP_MARK = 'berth-loop=1';
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length'];
const BODY_FAULTS = new Set<Fault['kind']>(['stall-body', 'wrong-bytes', 'short-body', 'no-length']);
const ERROR_CODE: Record<number, string> = { 429: 'TOOMANYREQUESTS', 500: 'UNKNOWN', 503: 'UNAVAILABLE' };

/** Starts the server in front of `target` (http://host:port of a registry). */
export async function startFaultyUpstream(target: string): Promise<FaultyUpstream> {
  const origin = new URL(target);
  // No keep-alive towards the registry: nothing of ours outlives a request.
  const agent = new Agent({ keepAlive: false });
  let rules: (FaultRule & { left: number })[] = [];
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const take = (method: string, kind: PathKind): Fault | undefined => {
    const rule = rules.find((r) => r.kind === kind && (r.method === undefined || r.method === method) && r.left > 0);
    if (!rule) return undefined;
    rule.left--;
    return rule.fault;
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const kind = pathKind(path);
    const fault = take(method, kind);
    const entry: SeenRequest = { method, path, kind };
    seen.push(entry);
    // Recorded once injected: a body fault on a bodiless answer is not.
    const injected = () => fault && (entry.fault = fault.kind);
    if (fault && !BODY_FAULTS.has(fault.kind)) injected();
    switch (fault?.kind) {
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'stall-headers':
        return;
      case 'status':
        answerStatus(res, fault.status, fault.retryAfter);
        return;
      case 'redirect-loop':
        res.writeHead(302, { location: fault.via === 'self' ? path : toggleLoopMark(path), 'content-length': 0 }).end();
        return;
      default:
        forward(req, res, fault, injected);
    }
  });

  const forward = (req: IncomingMessage, res: ServerResponse, fault: Fault | undefined, injected: () => void) => {
    const upstream = request(origin, { agent, method: req.method, path: req.url, headers: { ...req.headers, host: origin.host } }, (answer) => {
      const status = answer.statusCode ?? 502;
      const bodiless = req.method === 'HEAD' || status < 200 || status >= 300 || status === 204;
      if (!fault || bodiless) {
        res.writeHead(status, answer.headers);
        answer.pipe(res);
        return;
      }
      injected();
      void readAll(answer).then((body) => answerWithFault(res, status, answer.headers, body, fault), (err: Error) => res.destroy(err));
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  };

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const untrack = track({
    name: `faulty upstream :${port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    killNow: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (...next) => {
      rules = next.map((r) => ({ ...r, left: r.times ?? Infinity }));
    },
    clear: () => {
      rules = [];
    },
    requests: () => [...seen],
    disconnect: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: untrack,
  };
}

/** Sends `body` (the upstream's whole answer) broken as `fault` says. */
function answerWithFault(res: ServerResponse, status: number, upstreamHeaders: IncomingHttpHeaders, body: Buffer, fault: Fault): void {
  const headers: IncomingHttpHeaders = Object.fromEntries(Object.entries(upstreamHeaders).filter(([name]) => !HOP_BY_HOP.includes(name)));
  const half = body.subarray(0, Math.max(1, Math.floor(body.byteLength / 2)));
  switch (fault.kind) {
    case 'wrong-bytes':
      res.writeHead(status, { ...headers, 'content-length': body.byteLength }).end(invert(body));
      return;
    case 'short-body':
      res.writeHead(status, { ...headers, 'content-length': body.byteLength });
      // Closed once the half is handed to the kernel: the client gets those bytes, then the end of the connection.
      res.write(half, () => res.destroy());
      return;
    case 'stall-body':
      res.writeHead(status, { ...headers, 'content-length': body.byteLength });
      res.write(half);
      return;
    case 'no-length':
      res.writeHead(status, headers).end(body);
      return;
    default:
      throw new Error(`fault ${fault.kind} does not change a body`);
  }
}

function answerStatus(res: ServerResponse, status: number, retryAfter: string | undefined): void {
  const body = JSON.stringify({ errors: [{ code: ERROR_CODE[status] ?? 'UNKNOWN', message: `injected ${status}`, detail: null }] });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(retryAfter ? { 'retry-after': retryAfter } : {}),
  }).end(body);
}

function toggleLoopMark(path: string): string {
  if (path.endsWith(`?${LOOP_MARK}`)) return path.slice(0, -LOOP_MARK.length - 1);
  if (path.endsWith(`&${LOOP_MARK}`)) return path.slice(0, -LOOP_MARK.length - 1);
  return `${path}${path.includes('?') ? '&' : '?'}${LOOP_MARK}`;
}

function invert(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i++) out[i] = bytes[i]! ^ 0xff;
  return out;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
