// A plain HTTP request sent to the HTTPS port fails the TLS handshake, and the client sees a bare reset or an
// OpenSSL error. Go's net/http (distribution, Harbor, zot) answers such a request with a 400 that says what
// happened; so does this: the first byte of each connection is read before TLS sees it — a TLS record starts with
// 0x16 (handshake), an HTTP request with a letter of its method — and put back for the TLS server.
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';

const TLS_HANDSHAKE_RECORD = 0x16;
const ASCII_LETTER = /^[A-Za-z]$/;

export interface PlainHttpOptions {
  /** Answers a plain HTTP request (and closes the connection). */
  refuse(socket: Socket): void;
  /** How long a new connection may stay silent before it is closed (TLS's handshake timeout starts after). */
  firstByteTimeoutMs: number;
}

/** Puts the first-byte check in front of `server`'s own connection handling (the TLS handshake). */
export function refusePlainHttp(server: TlsServer, opts: PlainHttpOptions): void {
  const tlsHandlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const onError = () => socket.destroy();
    const onTimeout = () => socket.destroy();
    const onEnd = () => {
      release();
      socket.destroy();
    };
    const onReadable = () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return;
      release();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) for (const handle of tlsHandlers) handle.call(server, socket);
      else if (ASCII_LETTER.test(String.fromCharCode(first[0]!))) opts.refuse(socket);
      else socket.destroy();
    };
    const release = () => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
    };
    socket.setTimeout(opts.firstByteTimeoutMs);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('readable', onReadable);
  });
}
