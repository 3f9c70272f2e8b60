import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../store/file-store.ts';
import { Catalog } from '../index/catalog.ts';
import { blobKey, manifestKey } from '../index/keys.ts';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { InUse } from '../cache/inuse.ts';
import { Evictor, type RetentionPolicy, type SharedRetention } from './evictor.ts';
import { UsageIndex } from './usage.ts';

const HOUR = 3_600_000;

describe('Evictor', () => {
  let dir: string;
  let store: FileBlobStore;
  let catalog: Catalog;
  let usage: UsageIndex;
  let inUse: InUse;
  let now: number;
  let pinned: Set<string>;
  let evictedBytes: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-evict-'));
    store = new FileBlobStore(dir);
    await store.init();
    catalog = Catalog.inMemory();
    usage = new UsageIndex();
    inUse = new InUse();
    now = 1_000 * HOUR;
    pinned = new Set();
    evictedBytes = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function evictor(policy: Omit<RetentionPolicy, 'project'>): Evictor {
    return new Evictor({
      usage, catalog, store, inUse, policies: [{ project: 'hub', ...policy }],
      pinned: () => pinned, observer: { evicted: (_p, bytes) => (evictedBytes += bytes) }, now: () => now,
    });
  }

  /** Stores bytes as a blob of project hub, pulled at `now`. */
  async function blob(text: string): Promise<Digest> {
    const digest = sha256Of(Buffer.from(text));
    const w = await store.writer(digest, text.length);
    await w.write(Buffer.from(text));
    await w.commit();
    await catalog.setBlob('hub', digest, { size: text.length, lastPulled: now });
    usage.add({ key: blobKey('hub', digest), kind: 'blob', project: 'hub', digest, size: text.length, references: [], lastPulled: now });
    return digest;
  }

  /** Stores a manifest referencing `layers` in hub/app, pulled at `now`. */
  async function manifest(layers: Digest[]): Promise<Digest> {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: layers.map((digest) => ({ digest })) }));
    const digest = sha256Of(body);
    const w = await store.writer(digest, body.length);
    await w.write(body);
    await w.commit();
    const record = { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: body.length, references: layers, lastPulled: now };
    await catalog.setManifest('hub', 'app', digest, record);
    usage.add({ key: manifestKey('hub', 'app', digest), kind: 'manifest', project: 'hub', digest, ...record });
    return digest;
  }

  const stored = async (d: Digest) => (await store.stat(d)) !== undefined;

  it('evicts what was not pulled for unusedFor, keeps what was', async () => {
    const old = await blob('old blob');
    now += 2 * HOUR;
    const fresh = await blob('fresh blob');
    assert.equal(await evictor({ unusedForMs: HOUR }).run(), 1);
    assert.equal(await stored(old), false);
    assert.equal(await catalog.getBlob('hub', old), undefined);
    assert.equal(await stored(fresh), true);
    assert.equal(evictedBytes, 'old blob'.length);
    assert.equal(usage.bytes('hub'), 'fresh blob'.length);
  });

  it('a pull moves an artifact to the back of the line', async () => {
    const a = await blob('aaaa');
    now += 1;
    const b = await blob('bbbb');
    now += 1;
    usage.touch(blobKey('hub', a), now);
    await evictor({ maxSizeBytes: 4 }).run();
    assert.equal(await stored(a), true);
    assert.equal(await stored(b), false);
  });

  it('evicts least recently pulled first until the project fits maxSize', async () => {
    const digests: Digest[] = [];
    for (const text of ['1111', '2222', '3333', '4444']) {
      digests.push(await blob(text));
      now += 1000;
    }
    assert.equal(await evictor({ maxSizeBytes: 8 }).run(), 2);
    assert.deepEqual(await Promise.all(digests.map(stored)), [false, false, true, true]);
    assert.equal(usage.bytes('hub'), 8);
  });

  it('never evicts a blob a kept manifest references, even when it is older (distribution #4191)', async () => {
    const layer = await blob('layer bytes');
    now += 2 * HOUR;
    const m = await manifest([layer]);
    await evictor({ unusedForMs: HOUR }).run();
    assert.equal(await stored(layer), true);
    assert.equal(await stored(m), true);
  });

  it('evicts a manifest and then the blobs only it referenced', async () => {
    const layer = await blob('layer bytes');
    const m = await manifest([layer]);
    now += 2 * HOUR;
    assert.equal(await evictor({ unusedForMs: HOUR }).run(), 2);
    assert.equal(await stored(m), false);
    assert.equal(await stored(layer), false);
    assert.equal(usage.count('hub'), 0);
  });

  it('a size pass evicts the least recently pulled image whole and keeps newer manifests and shared blobs', async () => {
    const shared = await blob('shared layer');
    const oldLayer = await blob('old image layer, big enough');
    const old = await manifest([shared, oldLayer]);
    now += 1000;
    const midLayer = await blob('middle image layer, as big');
    const mid = await manifest([midLayer]);
    now += 1000;
    const newLayer = await blob('newest image layer, as big');
    const newest = await manifest([shared, newLayer]);
    usage.touch(blobKey('hub', shared), now);
    // Just too big once the oldest manifest alone is gone: its layer must go too, and nothing newer.
    const limit = usage.bytes('hub') - usage.get(manifestKey('hub', 'app', old))!.size - 1;
    await evictor({ maxSizeBytes: limit }).run();
    assert.deepEqual(await Promise.all([old, oldLayer].map(stored)), [false, false]);
    assert.deepEqual(await Promise.all([mid, midLayer, newest, newLayer, shared].map(stored)), [true, true, true, true, true]);
  });

  it('removes the tag records of an evicted manifest', async () => {
    const layer = await blob('tagged layer');
    const m = await manifest([layer]);
    await catalog.setTag('hub', 'app', 'v1', { digest: m, checkedAt: now });
    const kept = sha256Of(Buffer.from('another manifest'));
    await catalog.setTag('hub', 'app', 'v2', { digest: kept, checkedAt: now });
    now += 2 * HOUR;
    await evictor({ unusedForMs: HOUR }).run();
    assert.equal(await catalog.getTag('hub', 'app', 'v1'), undefined);
    assert.equal((await catalog.getTag('hub', 'app', 'v2'))?.digest, kept);
  });

  it('never evicts a pinned manifest nor what it references', async () => {
    const layer = await blob('pinned layer');
    const m = await manifest([layer]);
    pinned.add(`hub@${m}`);
    now += 2 * HOUR;
    assert.equal(await evictor({ unusedForMs: HOUR, maxSizeBytes: 0 }).run(), 0);
    assert.equal(await stored(m), true);
    assert.equal(await stored(layer), true);
  });

  it('never evicts a digest that is being read or downloaded', async () => {
    const busy = await blob('busy');
    now += 2 * HOUR;
    const release = inUse.acquire(busy);
    const e = evictor({ unusedForMs: HOUR });
    assert.equal(await e.run(), 0);
    assert.equal(await stored(busy), true);
    release();
    assert.equal(await e.run(), 1);
    assert.equal(await stored(busy), false);
  });

  it('keeps the file while another project still holds a record of it', async () => {
    const shared = await blob('shared bytes');
    usage.add({ key: blobKey('other', shared), kind: 'blob', project: 'other', digest: shared, size: 12, references: [], lastPulled: now + 3 * HOUR });
    now += 2 * HOUR;
    assert.equal(await evictor({ unusedForMs: HOUR }).run(), 1);
    assert.equal(await stored(shared), true);
    assert.equal(usage.count('hub'), 0);
  });

  it('runs when a new artifact takes the project past maxSize', async () => {
    const e = evictor({ maxSizeBytes: 4 });
    usage.onAdd((project) => e.added(project));
    const first = await blob('1111');
    now += 1;
    await blob('2222');
    // The add above triggered a pass; run() joins it (or runs an empty one) and reports when it is over.
    await e.run();
    assert.equal(await stored(first), false);
    assert.equal(usage.bytes('hub'), 4);
  });

  it('writes batched last-pulled times to the catalog', async () => {
    const d = await blob('touched');
    now += HOUR;
    usage.touch(blobKey('hub', d), now);
    assert.notEqual((await catalog.getBlob('hub', d))?.lastPulled, now);
    await evictor({}).flush();
    assert.equal((await catalog.getBlob('hub', d))?.lastPulled, now);
  });

  it('UsageIndex.load rebuilds the order from the catalog, oldest first', async () => {
    const newer = await blob('newer');
    now -= HOUR;
    const older = await blob('older');
    const loaded = await UsageIndex.load(catalog);
    assert.deepEqual([...loaded.oldestFirst('hub')].map((a) => a.digest), [older, newer]);
    assert.equal(loaded.bytes('hub'), 10);
  });

  describe('shared by replicas', () => {
    /** The shared index is `catalog`; `lockHeld` says another replica runs a pass; `busy` digests another serves. */
    function shared(state: { lockHeld: boolean; busy: Set<string> }): SharedRetention {
      return {
        exclusive: async (pass) => (state.lockHeld ? undefined : pass()),
        view: () => UsageIndex.load(catalog),
        busyElsewhereAll: async () => state.busy,
        busyElsewhere: async (digest) => state.busy.has(digest),
      };
    }

    /** A blob another replica stored: in the shared index, not in this replica's usage. */
    async function theirBlob(text: string): Promise<Digest> {
      const digest = await blob(text);
      usage.remove(blobKey('hub', digest));
      return digest;
    }

    it('evicts over the whole cache, what another replica stored too, never what another replica serves', async () => {
      const state = { lockHeld: false, busy: new Set<string>() };
      const theirsServed = await theirBlob('1111');
      now += 1;
      const theirs = await theirBlob('2222');
      now += 1;
      const mine = await blob('3333');
      state.busy.add(theirsServed);
      const e = new Evictor({ usage, catalog, store, inUse, policies: [{ project: 'hub', maxSizeBytes: 8 }], now: () => now, shared: shared(state) });
      // This replica alone holds 4 bytes, within maxSize: only the shared view sees 12. The served blob is the
      // oldest, so the plan skips it and takes the next (a plan that counted on it would stop short).
      assert.equal(await e.run(), 1);
      assert.equal(await stored(theirsServed), true, 'served by another replica: kept');
      assert.equal(await stored(theirs), false);
      assert.equal(await stored(mine), true);
    });

    it('runs no pass while another replica holds the lock', async () => {
      const old = await theirBlob('old');
      now += 10 * HOUR;
      const e = new Evictor({ usage, catalog, store, inUse, policies: [{ project: 'hub', unusedForMs: HOUR }], now: () => now, shared: shared({ lockHeld: true, busy: new Set() }) });
      assert.equal(await e.run(), 0);
      assert.equal(await stored(old), true);
    });

    it('a download while another replica holds the lock gets its pass once the lock is free', async () => {
      const state = { lockHeld: true, busy: new Set<string>() };
      let refused!: () => void;
      const wasRefused = new Promise<void>((resolve) => (refused = resolve));
      const base = shared(state);
      let passed!: () => void;
      const didPass = new Promise<void>((resolve) => (passed = resolve));
      const lock: SharedRetention = {
        ...base,
        exclusive: async (pass) => {
          if (state.lockHeld) {
            refused();
            return undefined;
          }
          const result = await pass();
          passed();
          return result;
        },
      };
      const e = new Evictor({ usage, catalog, store, inUse, policies: [{ project: 'hub', maxSizeBytes: 4 }], now: () => now, shared: lock, sharedDelayMs: 1 });
      usage.onAdd((project) => e.added(project));
      const old = await theirBlob('1111');
      now += 1;
      await blob('2222');
      await wasRefused;
      state.lockHeld = false;
      await didPass;
      await e.stop();
      assert.equal(await stored(old), false, 'evicted by the retried pass');
    });

    it('keeps a blob when whether another replica serves it cannot be known', async () => {
      const old = await theirBlob('old');
      now += 10 * HOUR;
      const failing: SharedRetention = { ...shared({ lockHeld: false, busy: new Set() }), busyElsewhere: () => Promise.reject(new Error('redis down')) };
      // The marks were read at the start of the pass; the look just before the eviction fails.
      const e = new Evictor({ usage, catalog, store, inUse, policies: [{ project: 'hub', unusedForMs: HOUR }], now: () => now, shared: failing });
      assert.equal(await e.run(), 0);
      assert.equal(await stored(old), true);
    });
  });
});
