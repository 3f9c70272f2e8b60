// HTTP to one upstream registry: its own dispatcher (TLS, CA, egress proxy), the Bearer/Basic auth dance with
// tokens cached until they expire, redirects followed without Authorization across origins, and retries with
// backoff on connection errors and transient answers (retry.ts; these are all GET/HEAD, so idempotent). Any other
// answer is final at once: a 404 must reach the client as the spec's 404, not as a 502 after seconds of retries.
// Every request has a deadline for its response headers across all attempts (timeouts.ts).
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import type { ProjectConfig } from '@berth/contracts/proxy-config';
import { basicHeader, credentialSource, type CredentialSource } from './credentials.ts';
import { parseChallenge } from './challenge.ts';
import { header } from './headers.ts';
import { describeError, errorForStatus, UpstreamError } from './errors.ts';
import { retryableStatus } from './retry.ts';
import { TokenCache, type TokenAnswer } from './tokens.ts';
import { DEFAULT_UPSTREAM_TIMEOUTS } from './timeouts.ts';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './types.ts';

export type { UpstreamBody, UpstreamRequest, UpstreamResponse } from './types.ts';

export interface UpstreamClientOptions {
  retries?: number;
  backoffMs?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Until the response headers, all attempts, redirects and backoff included. */
  deadlineMs?: number;
  /** Observes each upstream exchange (for latency metrics). */
  onResponse?: (method: string, status: number | 'error', seconds: number) => void;
  /** The clock tokens expire by; default Date.now. */
  now?: () => number;
}

export class UpstreamClient implements Upstream {
  readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly credentials: CredentialSource;
  private readonly tokens: TokenCache;
  private readonly now: () => number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly deadlineMs: number;
  private readonly onResponse: UpstreamClientOptions['onResponse'];

  constructor(project: Pick<ProjectConfig, 'upstream' | 'registry' | 'tls' | 'httpProxy' | 'credentials'>, opts: UpstreamClientOptions = {}) {
    this.base = new URL(project.upstream);
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 200;
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_UPSTREAM_TIMEOUTS.deadlineMs;
    this.onResponse = opts.onResponse;
    this.now = opts.now ?? Date.now;
    this.tokens = new TokenCache(this.now);
    this.credentials = credentialSource(project.credentials, project.registry, this.base.host);
    const connect = {
      timeout: opts.connectTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUTS.connectMs,
      ...(project.tls?.caFile ? { ca: readFileSync(project.tls.caFile, 'utf8') } : {}),
      ...(project.tls?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    };
    const timeouts = {
      headersTimeout: opts.headersTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUTS.headersMs,
      bodyTimeout: opts.bodyTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUTS.bodyMs,
    };
    this.dispatcher = project.httpProxy
      ? new EnvHttpProxyAgent({
          httpProxy: project.httpProxy.url,
          httpsProxy: project.httpProxy.url,
          noProxy: (project.httpProxy.noProxy ?? []).join(','),
          connect,
          ...timeouts,
        })
      : new Agent({ connect, ...timeouts });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * Sends a request, authenticating as the upstream asks. Resolves with 2xx responses; rejects with UpstreamError
   * (not-found, rate-limited, unauthorized, denied, unavailable) for the rest, after retries where they help, and
   * when no answer came within the deadline.
   */
  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    // Aborts whatever is in progress (connecting, waiting for headers, a backoff) once the deadline passes; cleared
    // as soon as headers are in, so it never cuts a body.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.deadlineMs);
    let lastError: UpstreamError | undefined;
    try {
      for (let attempt = 0; attempt <= this.retries; attempt++) {
        if (attempt > 0) await delay(this.backoffMs * 2 ** (attempt - 1), undefined, { signal: deadline.signal });
        let res: UpstreamResponse;
        try {
          res = await this.authenticated(req, deadline.signal);
        } catch (err) {
          if (deadline.signal.aborted) break;
          // A token service's answer carries its status; connection errors and timeouts have none and are retried.
          if (err instanceof UpstreamError && (err.status === undefined ? err.kind !== 'unavailable' : !retryableStatus(err.status))) throw err;
          lastError = err instanceof UpstreamError ? err : new UpstreamError('unavailable', `${req.method} ${req.path}: ${describeError(err)}`);
          continue;
        }
        if (res.status >= 200 && res.status < 300) return res;
        await res.body.dump().catch(() => undefined);
        const error = errorForStatus(res.status, `${req.method} ${req.path}`, header(res.headers, 'retry-after'));
        if (!retryableStatus(res.status)) throw error;
        lastError = error;
      }
    } catch (err) {
      if (!deadline.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
    }
    if (deadline.signal.aborted) throw this.expired(req, lastError);
    throw lastError!;
  }

  /** The error for a request whose deadline passed: the last answer when it had a status (503 stays 503). */
  private expired(req: UpstreamRequest, lastError: UpstreamError | undefined): UpstreamError {
    if (lastError?.status !== undefined) return lastError;
    const last = lastError ? ` (last attempt: ${lastError.message.slice(`${req.method} ${req.path}: `.length)})` : '';
    return new UpstreamError('unavailable', `${req.method} ${req.path}: no answer within the ${this.deadlineMs} ms deadline${last}`);
  }

  private async authenticated(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    const scope = `repository:${req.repository}:pull`;
    const first = await this.follow(req, this.tokens.valid(scope), signal);
    if (first.status !== 401) return first;
    const challenge = parseChallenge(header(first.headers, 'www-authenticate'));
    await first.body.dump().catch(() => undefined);
    if (!challenge) return this.follow(req, undefined, signal);
    const fresh = await this.authorize(challenge, scope, signal);
    if (!fresh) throw new UpstreamError('unauthorized', `${req.method} ${req.path}: upstream needs credentials`, { status: 401 });
    return this.follow(req, fresh, signal);
  }

  private async authorize(challenge: { scheme: string; params: Record<string, string> }, scope: string, signal: AbortSignal): Promise<string | undefined> {
    const creds = await this.credentials();
    if (challenge.scheme === 'basic') return creds ? basicHeader(creds) : undefined;
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const realm = new URL(challenge.params.realm);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope || scope);
    const requestedAt = this.now();
    const res = await request(realm, {
      method: 'GET',
      dispatcher: this.dispatcher,
      headers: creds ? { authorization: basicHeader(creds) } : {},
      signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw errorForStatus(res.statusCode === 401 ? 401 : res.statusCode, 'token request');
    }
    const value = this.tokens.keep(scope, (await res.body.json()) as TokenAnswer, requestedAt);
    if (!value) throw new UpstreamError('unavailable', 'token service answered without a token');
    return value;
  }

  /** One exchange, following redirects; Authorization only goes to the upstream's own origin. */
  private async follow(req: UpstreamRequest, authorization: string | undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    let url = new URL(req.path, this.base);
    for (let hop = 0; hop < 6; hop++) {
      const sameOrigin = url.origin === this.base.origin;
      const headers: Record<string, string> = { ...req.headers };
      if (authorization && sameOrigin) headers.authorization = authorization;
      const started = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(url, { method: req.method, headers, dispatcher: this.dispatcher, signal });
      } catch (err) {
        this.onResponse?.(req.method, 'error', (performance.now() - started) / 1000);
        throw err;
      }
      this.onResponse?.(req.method, res.statusCode, (performance.now() - started) / 1000);
      const location = header(res.headers, 'location');
      if (res.statusCode >= 300 && res.statusCode < 400 && location) {
        await res.body.dump().catch(() => undefined);
        url = new URL(location, url);
        continue;
      }
      return { status: res.statusCode, headers: res.headers, body: res.body };
    }
    // Final, not retried: a loop answers the same way every time (only the client's wait would grow).
    throw new UpstreamError('invalid', `${req.method} ${req.path}: too many redirects`);
  }
}
