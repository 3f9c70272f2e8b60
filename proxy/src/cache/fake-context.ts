// A CacheContext for unit tests of the pull-through's parts: an in-memory catalog, a clock the test moves, one
// upstream for every project, and the observer's events as strings.
import { Catalog } from '../index/catalog.ts';
import { UsageIndex } from '../retention/usage.ts';
import type { BlobStore } from '../store/blobstore.ts';
import type { UpstreamRegistry } from '../upstream/registry.ts';
import type { CacheContext } from './context.ts';
import { InUse } from './inuse.ts';
import { Misses } from './misses.ts';
import type { CacheObserver } from './observer.ts';

export interface FakeContext extends CacheContext {
  /** What the observer heard: `hit manifest`, `error <project>`, `deleted <project>`, … */
  readonly events: string[];
  /** Moves the clock. */
  advance(ms: number): void;
}

export function fakeContext(opts: { upstream?: UpstreamRegistry; store?: BlobStore } = {}): FakeContext {
  let now = 1_700_000_000_000;
  const events: string[] = [];
  const observer: CacheObserver = {
    hit: (_p, kind) => events.push(`hit ${kind}`),
    miss: (_p, kind) => events.push(`miss ${kind}`),
    coalesced: (_p, kind) => events.push(`coalesced ${kind}`),
    upstreamDeleted: (p) => events.push(`deleted ${p}`),
    upstreamError: (p) => events.push(`error ${p}`),
    stored: (p) => events.push(`stored ${p}`),
    evicted: (p) => events.push(`evicted ${p}`),
  };
  const clock = () => now;
  return {
    // A part that reaches for a store the test gave none of fails loudly.
    store: opts.store ?? new Proxy({} as BlobStore, { get: () => { throw new Error('no store in this test'); } }),
    catalog: Catalog.inMemory(),
    usage: new UsageIndex(),
    inUse: new InUse(),
    now: clock,
    warn: () => undefined,
    misses: new Misses(clock),
    servedStale: new Misses(clock),
    observer,
    events,
    advance: (ms) => void (now += ms),
    upstream: () => {
      if (!opts.upstream) throw new Error('no upstream in this test');
      return opts.upstream;
    },
  };
}
