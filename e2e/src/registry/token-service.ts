// A Bearer token service, as Docker Hub's auth.docker.io is to registry-1.docker.io: the registry answers 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, the client fetches a JWT from the realm with Basic
// credentials, and the registry checks the token's signature against the certificate in its rootcertbundle.
// Only the configured user gets a token; anyone else gets 401, so anonymous pulls are refused.
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { track } from '../testbed/cleanup.ts';
import { run } from '../testbed/run.ts';

export const TOKEN_ISSUER = 'berth-test-token-service';
export const TOKEN_SERVICE = 'berth-test-registry';

export interface TokenService {
  /** The realm, e.g. http://127.0.0.1:PORT/token */
  readonly realm: string;
  /** PEM certificate of the signing key: the registry's rootcertbundle. */
  readonly certFile: string;
  /** Token requests so far, with the scopes asked for and whether they were granted. */
  requests(): TokenRequest[];
  stop(): Promise<void>;
}

export interface TokenRequest {
  scopes: string[];
  granted: boolean;
}

/** Makes the signing key and its self-signed certificate (openssl; Node cannot make certificates). */
async function makeSigningKey(dir: string): Promise<{ key: KeyObject; certFile: string; x5c: string }> {
  const keyFile = join(dir, 'token-signing.key');
  const certFile = join(dir, 'token-signing.crt');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=berth-test-token-service',
    '-keyout', keyFile, '-out', certFile,
  ]);
  const key = createPrivateKey(await readFile(keyFile));
  const x5c = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  return { key, certFile, x5c };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** `repository:library/app:pull,push` → a JWT access entry (the name may not contain ':' but the type/actions split is by the outer colons). */
function accessOf(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

function basicCredentials(req: IncomingMessage): { username: string; password: string } | undefined {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startTokenService(opts: {
  dir: string;
  port: number;
  username: string;
  password: string;
  /** Token lifetime; default 300 s (Docker Hub's). */
  expiresInSeconds?: number;
}): Promise<TokenService> {
  const { key, certFile, x5c } = await makeSigningKey(opts.dir);
  const expiresIn = opts.expiresInSeconds ?? 300;
  const log: TokenRequest[] = [];

  const issue = (subject: string, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [x5c] };
    const claims = {
      iss: TOKEN_ISSUER, sub: subject, aud: TOKEN_SERVICE, exp: now + expiresIn, nbf: now - 10, iat: now,
      jti: randomUUID(), access: scopes.map(accessOf).filter((a) => a !== undefined),
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(sign('sha256', Buffer.from(signingInput), key))}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const creds = basicCredentials(req);
    const granted = creds?.username === opts.username && creds.password === opts.password;
    log.push({ scopes, granted });
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
    } else if (!granted) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="berth-test-token-service"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    } else {
      const token = issue(opts.username, scopes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const stop = track({
    name: `token service :${opts.port}`,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
    killNow: () => server.close(),
  });
  return { realm: `http://127.0.0.1:${opts.port}/token`, certFile, requests: () => [...log], stop };
}
