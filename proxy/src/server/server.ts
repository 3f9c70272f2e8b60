// The HTTP server: health, metrics and stats endpoints, and the OCI read API dispatched on the parsed request kind.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ArtifactService } from '../cache/types.ts';
import { Htpasswd } from '../access/htpasswd.ts';
import { OciError } from '../oci/errors.ts';
import type { Project } from '../project.ts';
import type { ProxyMetrics } from '../observe/metrics.ts';
import type { Logger } from '../observe/log.ts';
import { AccessLog } from '../observe/access-log.ts';
import { parseOciRequest, type OciRequest } from './route.ts';
import { sendError } from './respond.ts';
import { toOciError } from './errors.ts';
import { handleBlob, handleManifest, handleReferrers, handleTags } from './handlers.ts';
import { parseTarget } from './target.ts';
import { handleCatalog, type RepositoryLister } from './catalog.ts';
import type { IndexSummaries } from '../index/summary.ts';
import { answerOutsideHandler } from './transport.ts';
import { answerWithRequestId, ProxyResponse } from './response.ts';

export interface ServerOptions {
  projects: readonly Project[];
  service: ArtifactService;
  metrics: ProxyMetrics;
  logger: Logger;
  isReady: () => boolean;
  /** The request log; default: lines at debug only. Pass the one whose observer the pull-through reports to. */
  accessLog?: AccessLog;
  /** What `GET /v2/_catalog` lists; without it the route answers UNSUPPORTED. */
  repositories?: RepositoryLister;
  /** Adds what the index holds to `/_berth/stats`. */
  indexSummaries?: IndexSummaries;
  /** With a shared index: read before `/_berth/stats` is answered, so that it gives the whole cache's counts. */
  storedCounts?: { refresh(): Promise<void> };
}

/**
 * The request handling of both servers (plain HTTP and HTTPS): one instance, so that both share the projects'
 * htpasswd files and answer alike.
 */
export function proxyRequestListener(opts: ServerOptions): RequestListener {
  const access = new Map<string, Htpasswd>();
  for (const p of opts.projects) {
    const a = p.config.access;
    if (a && 'htpasswdFile' in a) access.set(p.name, new Htpasswd(a.htpasswdFile));
  }
  const accessLog = opts.accessLog ?? new AccessLog(opts.logger, false);
  return (req, res) => {
    // handle() answers every error it expects; this is the last line for one it does not (a throw before its try):
    // a request may fail, the process must not (an unhandled rejection would end it).
    accessLog.run(() => handle(req, res, opts, access, accessLog)).catch((err: unknown) => {
      opts.logger.error('request handler failed', { method: req.method, error: (err as Error).message });
      if (res.headersSent) res.destroy();
      else sendError(res, err);
    });
  };
}

/** The plain HTTP server. */
export function createProxyServer(opts: ServerOptions, listener: RequestListener = proxyRequestListener(opts)): Server {
  const server = createServer({ ServerResponse: ProxyResponse }, listener);
  answerOutsideHandler(server);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/** Longer than the 60 s idle timeouts of common load balancers, so that they, not the proxy, close idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Checks the project's credentials; undefined (nothing to wait for) for a project without an htpasswd file. */
function allowed(project: Project | undefined, req: IncomingMessage, access: Map<string, Htpasswd>): Promise<void> | undefined {
  const file = project && access.get(project.name);
  if (!file) return undefined;
  return file.verify(req.headers.authorization).then((ok) => {
    if (!ok) throw new OciError('UNAUTHORIZED', 'authentication required', { headers: { 'www-authenticate': `Basic realm="berth ${project.registry}"` } });
  });
}

/**
 * `GET /v2/` is where Docker learns whether to send credentials at all, so it challenges when any project (or the
 * `?ns=` one) needs them and the request carries none that a protected project accepts. Anonymous projects still
 * answer their own requests without credentials.
 */
async function rootAllowed(ns: string | null, projects: readonly Project[], req: IncomingMessage, access: Map<string, Htpasswd>): Promise<void> {
  const candidates = ns ? projects.filter((p) => p.registry === ns) : projects;
  const protectedOnes = candidates.filter((p) => access.has(p.name));
  if (protectedOnes.length === 0) return;
  for (const p of protectedOnes) if (await access.get(p.name)!.verify(req.headers.authorization)) return;
  const first = protectedOnes[0]!;
  throw new OciError('UNAUTHORIZED', 'authentication required', { headers: { 'www-authenticate': `Basic realm="berth ${first.registry}"` } });
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServerOptions, access: Map<string, Htpasswd>, accessLog: AccessLog): Promise<void> {
  const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) ?? randomUUID();
  answerWithRequestId(res, id);
  const method = req.method ?? 'GET';
  const rawPath = (req.url ?? '/').split('?')[0]!;
  // For logs: the path as sent until it is parsed (parsing may refuse it), bounded.
  let path = rawPath.slice(0, 512);
  let route = 'other';
  let bytes = 0;
  let source = 'none';
  /** The project the request named, for the metrics' project label ("" for routes outside a project). */
  let project = '';
  const started = performance.now();
  try {
    const url = parseTarget(req.url ?? '/');
    path = url.pathname.slice(0, 512);
    switch (url.pathname) {
      case '/healthz':
        route = 'healthz';
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz':
        route = 'readyz';
        res.writeHead(opts.isReady() ? 200 : 503, { 'content-type': 'text/plain' }).end(opts.isReady() ? 'ok\n' : 'starting\n');
        return;
      case '/metrics':
        route = 'metrics';
        res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(await opts.metrics.registry.metrics());
        return;
      case '/_berth/stats': {
        route = 'stats';
        await opts.storedCounts?.refresh();
        // Read without credentials: a protected project's upstream errors show only their kind, never its names.
        const counts = opts.metrics.stats({ withhold: new Set(access.keys()) });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(opts.indexSummaries?.addTo(counts) ?? counts));
        return;
      }
    }
    // URL parsing resolves `..` (`/v2/x/../../etc` becomes `/etc`): refuse such paths as sent, before they are
    // resolved into something else. No path reaches the store anyway (paths.ts builds them from checked digests).
    if (hasDotSegment(rawPath)) throw new OciError('NAME_INVALID', 'path segments "." and ".." are not allowed');
    const r: OciRequest | undefined = parseOciRequest(method, url, opts.projects);
    if (!r) throw new OciError('NAME_UNKNOWN', 'no such route', { status: 404 });
    route = r.kind;
    if ('project' in r) {
      project = r.project.name;
      // Every route of a project checks its access first; one without credentials to check has no await here.
      const check = allowed(r.project, req, access);
      if (check) await check;
    }
    switch (r.kind) {
      case 'write':
        throw new OciError('UNSUPPORTED', 'this is a read-only pull-through cache', { status: 405 });
      case 'catalog-root':
        await rootAllowed(url.searchParams.get('ns'), opts.projects, req, access);
        res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
        return;
      case 'catalog':
        if (!opts.repositories) throw new OciError('UNSUPPORTED', 'this server keeps no catalog', { status: 404 });
        await handleCatalog(opts.repositories, r, res);
        return;
      case 'manifest':
        bytes = await handleManifest(opts.service, r, method, req.headers.accept, res);
        return;
      case 'blob': {
        ({ bytes, source } = await handleBlob(opts.service, r, method, req.headers.range, res));
        return;
      }
      case 'tags':
        await handleTags(opts.service, r, res);
        return;
      case 'referrers':
        await handleReferrers(opts.service, r, res);
        return;
    }
  } catch (err) {
    const oci = sendError(res, err);
    if (!toOciError(err)) opts.logger.error('request failed', { requestId: id, method, path, error: (err as Error).message });
    else if (oci.status >= 500) {
      const cause = oci.cause instanceof Error ? { cause: oci.cause.message } : {};
      opts.logger.warn('request failed', { requestId: id, method, path, code: oci.code, detail: oci.message, ...cause });
    }
  } finally {
    opts.metrics.request(route, res.statusCode, (performance.now() - started) / 1000, project);
    opts.metrics.served(source, bytes);
    accessLog.write({
      requestId: id, method, path, route, status: res.statusCode, bytes, durationMs: performance.now() - started, project, client: req.socket.remoteAddress,
    });
  }
}

/** True when a raw request path has a `.` or `..` segment, also percent-encoded (`%2e%2e`) or split at an encoded `/`. */
export function hasDotSegment(rawPath: string): boolean {
  // A dot segment starts the path or follows a slash, as sent or percent-encoded: most paths have none of these and
  // need no decoding.
  if (!rawPath.startsWith('.') && !rawPath.includes('/.') && !rawPath.includes('%')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  return [rawPath, decoded].some((p) => p.split('/').some((segment) => segment === '.' || segment === '..'));
}
