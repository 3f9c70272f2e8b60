// Probes an upstream registry as a client would: GET /v2/, then the challenge it answers with (Bearer token
// exchange or Basic), with the endpoint's credentials when it has some. Reports a reason a person can act on and
// the rate limit the upstream announces. Messages are built from status codes and host names only: the
// credentials never appear in them.
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { BasicCredentials } from './secret-credentials.ts';

export interface ProbeInput {
  url: string;
  credentials?: BasicCredentials;
  ca?: string;
  insecureSkipVerify?: boolean;
  httpProxy?: { url: string; noProxy?: string[] };
  /** A repository to ask for a pull token and read rate-limit headers from (Docker Hub's ratelimitpreview/test). */
  rateLimitRepository?: string;
}

export type ProbeReason = 'Reachable' | 'Authenticated' | 'Unreachable' | 'WrongCredentials' | 'CredentialsRequired' | 'UnexpectedResponse';

export interface ProbeResult {
  ok: boolean;
  reason: ProbeReason;
  message: string;
  rateLimit?: { limit?: number; remaining?: number; window?: string };
}

export type Prober = (input: ProbeInput) => Promise<ProbeResult>;

const TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export const probeRegistry: Prober = async (input) => {
  const dispatcher = dispatcherFor(input);
  const base = input.url.replace(/\/+$/, '');
  const host = new URL(base).host;
  let rateLimit: ProbeResult['rateLimit'];
  const get = async (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Answer> => {
    const res = await request(url, { method, headers, dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    // Token responses carry a JWT (with its certificate chain, often several KB): keep up to 1 MiB.
    const body = method === 'HEAD' ? '' : (await res.body.text()).slice(0, 1 << 20);
    if (method === 'HEAD') await res.body.dump();
    rateLimit = readRateLimit(res.headers) ?? rateLimit;
    return { status: res.statusCode, headers: res.headers, body };
  };
  try {
    const first = await get(`${base}/v2/`);
    if (first.status === 200) {
      return done(true, input.credentials ? 'Authenticated' : 'Reachable', `GET /v2/ on ${host} answered 200${input.credentials ? ' (no credentials needed)' : ''}`);
    }
    if (first.status !== 401) return done(false, 'UnexpectedResponse', `GET /v2/ on ${host} answered HTTP ${first.status}: check spec.url points at a registry's base URL`);
    const challenge = parseChallenge(header(first.headers, 'www-authenticate'));
    if (challenge?.scheme === 'basic') {
      if (!input.credentials) return done(false, 'CredentialsRequired', `${host} asks for credentials: set spec.credentialsSecretRef to a Secret with them`);
      const second = await get(`${base}/v2/`, { authorization: basic(input.credentials) });
      return second.status === 200
        ? done(true, 'Authenticated', `${host} accepted the credentials (Basic)`)
        : done(false, 'WrongCredentials', `${host} refused the credentials in spec.credentialsSecretRef (HTTP ${second.status}): update the Secret`);
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) {
      return done(false, 'UnexpectedResponse', `GET /v2/ on ${host} answered 401 without a Basic or Bearer challenge`);
    }
    const tokenUrl = new URL(challenge.params.realm);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    if (input.rateLimitRepository) tokenUrl.searchParams.set('scope', `repository:${input.rateLimitRepository}:pull`);
    const tokenAnswer = await get(tokenUrl.toString(), input.credentials ? { authorization: basic(input.credentials) } : {});
    if (tokenAnswer.status === 401 || tokenAnswer.status === 403) {
      return input.credentials
        ? done(false, 'WrongCredentials', `the token service of ${host} (${tokenUrl.host}) refused the credentials in spec.credentialsSecretRef (HTTP ${tokenAnswer.status}): update the Secret`)
        : done(false, 'CredentialsRequired', `the token service of ${host} (${tokenUrl.host}) gives no anonymous token: set spec.credentialsSecretRef`);
    }
    if (tokenAnswer.status !== 200) return done(false, 'UnexpectedResponse', `the token service of ${host} (${tokenUrl.host}) answered HTTP ${tokenAnswer.status}`);
    let token: string | undefined;
    try {
      const parsed = JSON.parse(tokenAnswer.body) as { token?: string; access_token?: string };
      token = parsed.token ?? parsed.access_token;
    } catch {
      token = undefined;
    }
    if (!token) return done(false, 'UnexpectedResponse', `the token service of ${host} (${tokenUrl.host}) answered without a token`);
    const bearer = { authorization: `Bearer ${token}` };
    const third = await get(`${base}/v2/`, bearer);
    if (third.status !== 200) {
      return input.credentials
        ? done(false, 'WrongCredentials', `${host} refused the token issued for the credentials (HTTP ${third.status}): check the Secret's user has pull access`)
        : done(false, 'CredentialsRequired', `${host} refused an anonymous token (HTTP ${third.status}): set spec.credentialsSecretRef`);
    }
    if (input.rateLimitRepository) {
      // A HEAD of a manifest does not count against Docker Hub's limit, and is where it reports the limit.
      await get(`${base}/v2/${input.rateLimitRepository}/manifests/latest`, { ...bearer, accept: 'application/vnd.docker.distribution.manifest.v2+json' }, 'HEAD').catch(() => undefined);
    }
    return done(true, input.credentials ? 'Authenticated' : 'Reachable', input.credentials ? `${host} accepted the credentials (token)` : `${host} answered with an anonymous token`);
  } catch (error) {
    return done(false, 'Unreachable', `cannot reach ${host}: ${networkMessage(error)}`);
  } finally {
    await dispatcher.close().catch(() => undefined);
  }

  function done(ok: boolean, reason: ProbeReason, message: string): ProbeResult {
    return { ok, reason, message, ...(rateLimit ? { rateLimit } : {}) };
  }
};

function dispatcherFor(input: ProbeInput): Dispatcher {
  const connect = { ...(input.ca ? { ca: input.ca } : {}), ...(input.insecureSkipVerify ? { rejectUnauthorized: false } : {}) };
  const proxy = input.httpProxy;
  if (proxy && !bypassesProxy(new URL(input.url).hostname, proxy.noProxy ?? [])) {
    return new ProxyAgent({ uri: proxy.url, requestTls: connect });
  }
  return new Agent({ connect });
}

function bypassesProxy(hostname: string, noProxy: string[]): boolean {
  return noProxy.some((entry) => hostname === entry.replace(/^\./, '') || (entry.startsWith('.') ? hostname.endsWith(entry) : hostname.endsWith(`.${entry}`)));
}

function header(headers: Answer['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function basic(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` → scheme and params. */
export function parseChallenge(value: string | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!value) return undefined;
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of value.slice(space + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[(m[1] ?? '').toLowerCase()] = m[2] ?? '';
  return { scheme, params };
}

/** `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600` → figures; undefined when absent. */
export function readRateLimit(headers: Answer['headers']): ProbeResult['rateLimit'] {
  const remaining = header(headers, 'ratelimit-remaining');
  if (remaining === undefined) return undefined;
  const limit = header(headers, 'ratelimit-limit');
  const [rem, remWindow] = remaining.split(';');
  const window = /w=(\d+)/.exec(remWindow ?? limit ?? '')?.[1];
  return {
    ...(Number.isFinite(Number(rem)) ? { remaining: Number(rem) } : {}),
    ...(limit && Number.isFinite(Number(limit.split(';')[0])) ? { limit: Number(limit.split(';')[0]) } : {}),
    ...(window ? { window: `${window}s` } : {}),
  };
}

function networkMessage(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  const message = e?.cause?.message ?? e?.message ?? String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
