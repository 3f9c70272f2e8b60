// The HTTPS side of the proxy: the same request handling as the plain port, behind TLS 1.2+ with HTTP/1.1 only
// (registry clients pull over HTTP/1.1; one protocol keeps one set of limits and timeouts). A plain HTTP request on
// this port gets a 400 that says so; a failed handshake ends its connection and nothing else. The certificate
// follows its files (tls/reloader.ts) without a restart.
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import { ProxyResponse } from './response.ts';
import type { AddressInfo, Socket } from 'node:net';
import type { ServingTlsConfig } from '@berth/contracts/proxy-config';
import { OciError } from '../oci/errors.ts';
import type { Logger } from '../observe/log.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import { MIN_TLS_VERSION, secureContextOptions, type CertificatePair } from '../tls/certificate.ts';
import { handshakeFailureReason } from '../tls/handshake-failure.ts';
import { refusePlainHttp } from '../tls/plain-http.ts';
import { CertificateReloader } from '../tls/reloader.ts';
import { KEEP_ALIVE_TIMEOUT_MS } from './server.ts';
import { answerOutsideHandler, writeAndClose } from './transport.ts';

/** A handshake takes round trips, not seconds; a stalled one holds a socket until this. */
const HANDSHAKE_TIMEOUT_MS = 30_000;
/**
 * A client sends its ClientHello (or request line) as soon as it is connected. A connection silent for longer is
 * closed: until its first byte it is no HTTP connection yet, so a drain cannot close it and would wait for this.
 */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export interface SecureServerOptions {
  /** A handshake failed (an old protocol, no shared cipher, garbage, a timeout); `code` is Node's or OpenSSL's. */
  onHandshakeFailure?(code: string): void;
}

export function createSecureProxyServer(listener: RequestListener, pair: CertificatePair, opts: SecureServerOptions = {}): Server {
  const server = createServer({
    ...secureContextOptions(pair),
    minVersion: MIN_TLS_VERSION,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    ServerResponse: ProxyResponse,
  }, listener);
  // https.Server passes handshake failures on as clientError, where answerOutsideHandler closes their socket.
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => opts.onHandshakeFailure?.(err.code ?? 'unknown'));
  answerOutsideHandler(server);
  refusePlainHttp(server, {
    firstByteTimeoutMs: FIRST_BYTE_TIMEOUT_MS,
    refuse: (socket: Socket) => {
      writeAndClose(socket, new OciError('UNSUPPORTED', 'this port speaks HTTPS: send the request with https://, or use the plain HTTP port', { status: 400 }));
      // Read (and drop) the request still coming in: closing with unread bytes would reset the connection, and
      // the client could lose the answer. A client that never closes its side is cut off after the timeout.
      socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
      socket.resume();
    },
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/** Serves `pair` on new connections from now on; open connections keep the pair they shook hands with. */
export function replaceCertificate(server: Server, pair: CertificatePair): void {
  server.setSecureContext(secureContextOptions(pair));
}

export interface SecureServing {
  readonly server: Server;
  /** The bound HTTPS address (after listen). */
  address(): AddressInfo;
  /** Starts following the files (after listen). */
  watch(): void;
  /** Stops following the files (the server is drained by the caller). */
  stop(): void;
}

export interface SecureServingDeps {
  metrics: ProxyMetrics;
  logger: Logger;
  pollMs?: number;
}

/** The HTTPS server for `tls` with `pair` (already checked), and the reloader that keeps its certificate current. */
export function startSecureServing(tls: ServingTlsConfig, pair: CertificatePair, listener: RequestListener, deps: SecureServingDeps): SecureServing {
  const { metrics, logger } = deps;
  const server = createSecureProxyServer(listener, pair, {
    onHandshakeFailure: (code) => {
      const reason = handshakeFailureReason(code);
      metrics.tlsHandshakeFailure(reason);
      if (logger.isDebugEnabled()) logger.debug('TLS handshake failed', { reason, code });
    },
  });
  const shown = (p: CertificatePair) => ({ names: p.names, notAfter: p.notAfter.toISOString(), fingerprint: p.fingerprint });
  metrics.tlsCertificate(pair.notAfter);
  logger.info('TLS certificate loaded', { certFile: tls.certFile, ...shown(pair) });
  const reloader = new CertificateReloader({
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    current: pair,
    apply: (next) => replaceCertificate(server, next),
    onReloaded: (next, previous) => {
      metrics.tlsReload('reloaded');
      metrics.tlsCertificate(next.notAfter);
      logger.info('TLS certificate reloaded', { ...shown(next), previousFingerprint: previous.fingerprint });
    },
    onRefused: (err) => {
      metrics.tlsReload('refused');
      logger.warn('TLS certificate not reloaded: keeping the one in use', { code: err.code, reason: err.message, inUse: reloader.pair.fingerprint });
    },
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
  });
  return {
    server,
    address: () => server.address() as AddressInfo,
    watch: () => reloader.start(),
    stop: () => reloader.stop(),
  };
}
