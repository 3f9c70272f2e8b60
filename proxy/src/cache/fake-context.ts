// A CacheContext for unit tests of the pull-through's parts: an in-memory catalog, a clock the test moves, one
// upstream for every project, and the observer's events as strings; and two projects to run them for.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../index/catalog.ts';
import { resolveProjects, type Project } from '../project.ts';
import { UsageIndex } from '../retention/usage.ts';
import { StoreFullError, type BlobStore } from '../store/blobstore.ts';
import { FileBlobStore } from '../store/file-store.ts';
import { CountingUpstream, FakeUpstream } from '../upstream/fake.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import type { UpstreamRegistry } from '../upstream/registry.ts';
import type { CacheContext } from './context.ts';
import { LOCAL_FILLS } from './fill-leases.ts';
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
    fills: LOCAL_FILLS,
    now: clock,
    presignedUrlSeconds: 120,
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

/**
 * Two projects as the config validator resolves them: `keep` keeps content the upstream deleted (the default),
 * `follow` follows deletes. `keep` takes the extra settings given (tagTTL, notFoundTTL, …).
 */
export function keepAndFollow(keepSettings: Record<string, string> = {}): { keep: Project; follow: Project } {
  const [keep, follow] = resolveProjects({
    listen: '127.0.0.1:0', storage: { directory: '/unused' },
    projects: [
      { name: 'keep', registry: 'keep.test', upstream: 'http://keep.invalid', ...keepSettings },
      { name: 'follow', registry: 'follow.test', upstream: 'http://follow.invalid', keepAfterUpstreamDelete: false },
    ],
  }) as [Project, Project];
  return { keep, follow };
}

/** `store` with no room left: every new writer is refused with StoreFullError; what it holds stays readable. */
export function fullStore(store: BlobStore): BlobStore {
  return Object.assign(Object.create(store) as BlobStore, {
    writer: async () => {
      throw new StoreFullError('no room in this test');
    },
  });
}

export interface StoredFakeContext {
  ctx: FakeContext;
  /** A file store in a temp folder. */
  store: FileBlobStore;
  /** The in-memory upstream, and the counter of what reached it. */
  fake: FakeUpstream;
  counting: CountingUpstream;
  /** Removes the temp folder. */
  dispose(): Promise<void>;
}

/** A fake context over a file store in a new temp folder and a counted in-memory upstream. */
export async function fakeContextWithStore(): Promise<StoredFakeContext> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-cache-part-'));
  const store = new FileBlobStore(dir);
  await store.init();
  const fake = new FakeUpstream();
  const counting = new CountingUpstream(fake);
  const ctx = fakeContext({ upstream: new OciUpstream(counting), store });
  return { ctx, store, fake, counting, dispose: () => rm(dir, { recursive: true, force: true }) };
}
