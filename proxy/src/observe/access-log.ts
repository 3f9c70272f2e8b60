// The request (access) log: one line per request at info when `log.access` is on, at debug otherwise.
// What the cache did for a request (hit, miss, coalesced) is known only deep in the pull-through, which reports it
// to a CacheObserver without any request at hand: the request runs inside an AsyncLocalStorage scope, and the
// observer wrapper below notes the outcome in the scope of whichever request caused it.
// No header is ever logged (Authorization stays out), and the path is logged without its query and without the
// userinfo an absolute-form target (`GET http://user:pass@host/v2/`) could carry.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CacheObserver } from '../cache/observer.ts';
import type { Logger } from './log.ts';

/** What the cache did for the request; the strongest outcome wins (a miss in a request that also hit is a miss). */
export type CacheOutcome = 'hit' | 'coalesced' | 'miss';
const STRENGTH: Record<CacheOutcome, number> = { hit: 1, coalesced: 2, miss: 3 };

export interface AccessEntry {
  requestId: string;
  method: string;
  path: string;
  route: string;
  status: number;
  bytes: number;
  durationMs: number;
  /** The project the request named; "" for routes outside a project. */
  project: string;
  client: string | undefined;
}

interface Scope {
  cache?: CacheOutcome;
}

export class AccessLog {
  private readonly scopes = new AsyncLocalStorage<Scope>();

  constructor(private readonly logger: Logger, private readonly enabled: boolean) {}

  /** Runs one request's handling in a scope the cache outcome is noted in (only when lines are written at all). */
  run<T>(handle: () => T): T {
    return this.writes() ? this.scopes.run({}, handle) : handle();
  }

  /** The observer the pull-through reports to: notes the outcome for the current request, then forwards. */
  observing(inner: CacheObserver): CacheObserver {
    const note = (outcome: CacheOutcome) => {
      const scope = this.scopes.getStore();
      if (scope && (!scope.cache || STRENGTH[scope.cache] < STRENGTH[outcome])) scope.cache = outcome;
    };
    return {
      hit: (project, kind) => (note('hit'), inner.hit(project, kind)),
      miss: (project, kind) => (note('miss'), inner.miss(project, kind)),
      coalesced: (project, kind) => (note('coalesced'), inner.coalesced(project, kind)),
      upstreamDeleted: (project) => inner.upstreamDeleted(project),
      upstreamError: (project, message) => inner.upstreamError(project, message),
      stored: (project, bytes) => inner.stored(project, bytes),
      evicted: (project, bytes) => inner.evicted(project, bytes),
    };
  }

  /** Writes the request's line; called when the request is answered, inside the scope `run` opened. */
  write(entry: AccessEntry): void {
    if (!this.writes()) return;
    const cache = this.scopes.getStore()?.cache;
    const line = { ...entry, path: withoutUserinfo(entry.path), durationMs: Math.round(entry.durationMs * 10) / 10, ...(cache ? { cache } : {}) };
    if (this.enabled) this.logger.info('request', line);
    else this.logger.debug('request', line);
  }

  private writes(): boolean {
    // At info with the access log off, no line is built at all: the hot path stays cheap.
    return this.enabled || this.logger.isDebugEnabled();
  }
}

/** `http://user:pass@host/v2/` → `http://host/v2/`; any other path as it is. */
export function withoutUserinfo(path: string): string {
  return path.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
