// Answers for what never reaches the request handler: requests Node's HTTP parser refuses (a bad request line,
// headers over the size limit, a timeout), CONNECT, and an Expect other than 100-continue. Without these Node closes the socket with a bare 400 or
// nothing at all; a client gets the spec's error JSON instead, as for any other malformed request.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { OciError } from '../oci/errors.ts';
import { sendError } from './respond.ts';

const lastResponse = Symbol('berth.lastResponse');
type Dispatched = Duplex & { [lastResponse]?: ServerResponse };

/** Installs the `clientError`, `connect` and `checkExpectation` answers on `server`. */
export function answerOutsideHandler(server: Server): void {
  // The response of the last request dispatched on each connection: a parse error can come after the request went
  // to the handler (a bad Transfer-Encoding fails at the body), and then that request's own answer is the one due.
  // Kept on the socket itself: a WeakMap entry per request cost more than this whole listener is worth.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => ((req.socket as Dispatched)[lastResponse] = res));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const pending = (socket as Dispatched)[lastResponse];
    if (pending && !pending.writableFinished) {
      // The parser is done with this connection: close it once the handler's answer is out.
      pending.once('close', () => socket.end());
      return;
    }
    writeAndClose(socket, clientErrorAnswer(err.code));
  });
  server.on('checkExpectation', (_req, res: ServerResponse) => {
    sendError(res, new OciError('UNSUPPORTED', 'only "Expect: 100-continue" is understood', { status: 417 }));
  });
  server.on('connect', (_req, socket: Duplex) => {
    writeAndClose(socket, new OciError('UNSUPPORTED', 'CONNECT is not supported: this is a registry, not a forward proxy'));
  });
}

/** The answer to a request the HTTP parser refused, by Node's error code. */
export function clientErrorAnswer(code: string | undefined): OciError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new OciError('UNSUPPORTED', 'request line or headers too large', { status: 431 });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new OciError('UNSUPPORTED', 'request not received in time', { status: 408 });
    default:
      return new OciError('UNSUPPORTED', 'malformed HTTP request', { status: 400 });
  }
}

/** Writes `err` as a whole HTTP/1.1 response on a raw socket and closes it. */
export function writeAndClose(socket: Duplex, err: OciError): void {
  const body = err.body();
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'docker-distribution-api-version: registry/2.0\r\n' +
    'connection: close\r\n\r\n' + body,
  );
}
