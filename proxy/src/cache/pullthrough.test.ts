import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { FileBlobStore } from '../store/file-store.ts';
import { Catalog } from '../index/catalog.ts';
import { resolveProjects, type Project } from '../project.ts';
import { OciError } from '../oci/errors.ts';
import { sha256Of, type Digest } from '../oci/digest.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import { CountingUpstream, FakeUpstream, type FakeFailure } from '../upstream/fake.ts';
import { NO_OBSERVER, type CacheObserver } from './observer.ts';
import { PullThrough } from './pullthrough.ts';
import { STALE_RECHECK_MS } from './upstream-failure.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import { toOciError } from '../server/errors.ts';
import { DOCKER_LIST, DOCKER_MANIFEST, OCI_MANIFEST } from '../oci/mediatypes.ts';

const MINUTE = 60_000;
const APP = 'library/app' as RepositoryName;
const V1 = 'v1' as Tag;

describe('PullThrough, against an in-memory upstream', () => {
  let dir: string;
  let store: FileBlobStore;
  let fake: FakeUpstream;
  let upstream: CountingUpstream;
  let cache: PullThrough;
  let now: number;
  let hub: Project;
  let follow: Project;
  let events: string[];
  let catalog: Catalog;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-pt-'));
    store = new FileBlobStore(dir);
    await store.init();
    fake = new FakeUpstream();
    upstream = new CountingUpstream(fake);
    now = 1_700_000_000_000;
    [hub, follow] = resolveProjects({
      listen: '127.0.0.1:0', storage: { directory: dir },
      projects: [
        { name: 'hub', registry: 'docker.io', upstream: 'http://fake.invalid', tagTTL: '5m' },
        { name: 'follow', registry: 'follow.test', upstream: 'http://fake.invalid', keepAfterUpstreamDelete: false },
      ],
    }) as [Project, Project];
    events = [];
    const observer: CacheObserver = {
      ...NO_OBSERVER,
      upstreamDeleted: (p) => events.push(`deleted ${p}`),
      coalesced: (p, kind) => events.push(`coalesced ${kind}`),
    };
    catalog = Catalog.inMemory();
    cache = new PullThrough({
      store, catalog, observer, now: () => now,
      upstreams: new Map([['hub', new OciUpstream(upstream)], ['follow', new OciUpstream(upstream)]]),
    });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function image(tag = 'v1', layer = randomBytes(1000)): { manifest: string; layer: Digest } {
    const digest = fake.putBlob(layer) as Digest;
    const manifest = fake.putManifest(APP, { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [{ digest, size: layer.length }] }, { tag });
    return { manifest, layer: digest };
  }

  it('N concurrent cold GETs of one blob make one upstream fetch, and every client gets the bytes', async () => {
    const bytes = randomBytes(300_000);
    const digest = fake.putBlob(bytes) as Digest;
    let open!: () => void;
    fake.blobGate = new Promise((resolve) => (open = resolve));
    const bodies = Array.from({ length: 10 }, () => cache.openBlob(hub, APP, digest).then((b) => buffer(b.stream)));
    // Every caller is waiting before the upstream sends a byte.
    await new Promise((resolve) => setImmediate(resolve));
    open();
    for (const body of await Promise.all(bodies)) assert.equal(sha256Of(body), digest);
    assert.equal(upstream.count('GET', `/blobs/${digest}`), 1);
    assert.equal(events.filter((e) => e === 'coalesced blob').length, 9);
    // Then it is a cache hit.
    assert.equal((await cache.openBlob(hub, APP, digest)).source, 'cache');
    assert.equal(upstream.count('GET', `/blobs/${digest}`), 1);
  });

  it('N concurrent cold GETs of one tag make one upstream manifest GET', async () => {
    const { manifest } = image();
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.getManifest(hub, APP, V1)));
    for (const m of got) assert.equal(m.digest, manifest);
    assert.equal(upstream.count('GET', '/manifests/'), 1);
  });

  it('concurrent callers of a new tag share one upstream GET (and no HEAD), however their requests interleave', async () => {
    const { manifest } = image();
    const got = await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise((r) => setTimeout(r, i)).then(() => cache.getManifest(hub, APP, V1))));
    for (const m of got) assert.equal(m.digest, manifest);
    assert.equal(upstream.count('HEAD', '/manifests/'), 0);
    assert.equal(upstream.count('GET', '/manifests/'), 1);
  });

  it('a warm GET from memory counts one hit, by tag and by digest; a project that follows deletes still asks upstream', async () => {
    const hits: string[] = [];
    const counted = new PullThrough({
      store, catalog, now: () => now, observer: { ...NO_OBSERVER, hit: (p, kind) => hits.push(`${p} ${kind}`) },
      upstreams: new Map([['hub', new OciUpstream(upstream)], ['follow', new OciUpstream(upstream)]]),
    });
    const { manifest } = image();
    await counted.getManifest(hub, APP, V1);
    hits.length = 0;
    const before = upstream.calls.length;
    assert.equal((await counted.getManifest(hub, APP, V1)).digest, manifest);
    assert.equal((await counted.getManifest(hub, APP, manifest as Digest)).digest, manifest);
    assert.deepEqual(hits, ['hub manifest', 'hub manifest']);
    assert.equal(upstream.calls.length, before, 'answered from memory');
    await counted.getManifest(follow, APP, manifest as Digest); // its own first pull: a GET
    await counted.getManifest(follow, APP, manifest as Digest);
    await counted.getManifest(follow, APP, manifest as Digest);
    assert.equal(upstream.count('HEAD', `/manifests/${manifest}`), 2, 'keepAfterUpstreamDelete: false asks each time');
  });

  it('trusts a tag for its TTL, then checks it with a HEAD and no GET when unchanged', async () => {
    const { manifest } = image();
    await cache.getManifest(hub, APP, V1);
    now += 4 * MINUTE;
    await cache.getManifest(hub, APP, V1);
    assert.deepEqual(upstream.calls.filter((c) => c.includes('/manifests/')).map((c) => c.split(' ')[0]), ['GET']);
    now += 2 * MINUTE;
    assert.equal((await cache.getManifest(hub, APP, V1)).digest, manifest);
    assert.equal(upstream.count('HEAD', '/manifests/v1'), 1);
    assert.equal(upstream.count('GET', '/manifests/'), 1);
  });

  it('fetches the new manifest when the tag moved upstream after its TTL', async () => {
    image();
    await cache.getManifest(hub, APP, V1);
    const moved = image('v1');
    now += 6 * MINUTE;
    assert.equal((await cache.getManifest(hub, APP, V1)).digest, moved.manifest);
  });

  it('an upstream 404 keeps serving the cached copy and marks it deleted (keepAfterUpstreamDelete: true)', async () => {
    const { manifest } = image();
    await cache.getManifest(hub, APP, V1);
    fake.tags.clear();
    fake.manifests.clear();
    now += 6 * MINUTE;
    assert.equal((await cache.getManifest(hub, APP, V1)).digest, manifest);
    assert.equal((await cache.getManifest(hub, APP, manifest as Digest)).digest, manifest);
    assert.deepEqual(events, ['deleted hub']);
  });

  it('an upstream 404 forgets the cached tag and digest when keepAfterUpstreamDelete is false', async () => {
    const { manifest } = image();
    await cache.getManifest(follow, APP, V1);
    fake.tags.clear();
    fake.manifests.clear();
    now += 6 * MINUTE;
    await assert.rejects(cache.getManifest(follow, APP, V1), (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN');
    await assert.rejects(cache.getManifest(follow, APP, manifest as Digest), (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN');
  });

  const outages: [string, FakeFailure][] = [
    ['down', { kind: 'down' }],
    ['5xx', { kind: 'status', status: 503 }],
    ['429', { kind: 'status', status: 429, retryAfter: '30' }],
    ['a timeout', { kind: 'timeout' }],
  ];
  for (const [name, failure] of outages) {
    it(`serves the stale copy when the upstream is ${name} after the TTL`, async () => {
      const { manifest, layer } = image();
      await cache.getManifest(hub, APP, V1);
      await buffer((await cache.openBlob(hub, APP, layer)).stream);
      fake.failure = failure;
      now += 60 * MINUTE;
      assert.equal((await cache.getManifest(hub, APP, V1)).digest, manifest);
      assert.equal(sha256Of(await buffer((await cache.openBlob(hub, APP, layer)).stream)), layer);
    });
  }

  it('asks a failing upstream about a stale tag once per STALE_RECHECK_MS, not on every pull', async () => {
    const { manifest } = image();
    await cache.getManifest(hub, APP, V1);
    fake.failure = { kind: 'timeout' };
    now += 60 * MINUTE;
    const asked = () => upstream.calls.filter((c) => c.includes('/manifests/')).length;
    const before = asked();
    for (let i = 0; i < 5; i++) assert.equal((await cache.getManifest(hub, APP, V1)).digest, manifest);
    assert.equal(asked() - before, 1, 'one check for five pulls during the outage');
    now += STALE_RECHECK_MS + 1;
    fake.failure = undefined;
    assert.equal((await cache.getManifest(hub, APP, V1)).digest, manifest);
    assert.equal(asked() - before, 2, 'asked again once the period has passed');
  });

  it('nothing cached and the upstream says 429: TOOMANYREQUESTS with its Retry-After', async () => {
    image();
    fake.failure = { kind: 'status', status: 429, retryAfter: '42' };
    await assert.rejects(cache.getManifest(hub, APP, V1), (e: unknown) => {
      // The cache lets the upstream's failure through; what a client sees of it is the HTTP layer's mapping.
      const oci = toOciError(e);
      return oci?.code === 'TOOMANYREQUESTS' && oci.status === 429 && oci.headers['retry-after'] === '42';
    });
  });

  it('nothing cached and the upstream down: an OCI error with a 5xx status', async () => {
    image();
    fake.failure = { kind: 'down' };
    await assert.rejects(cache.getManifest(hub, APP, V1), (e: unknown) => (toOciError(e)?.status ?? 0) >= 500);
  });

  it('a fetch that fails verification stores nothing; the next fetch from a healthy upstream succeeds', async () => {
    const good = randomBytes(5000);
    const digest = sha256Of(good);
    fake.blobs.set(digest, randomBytes(5000));
    const body = await cache.openBlob(hub, APP, digest);
    await assert.rejects(buffer(body.stream));
    assert.equal(await store.stat(digest), undefined);
    fake.blobs.set(digest, good);
    assert.equal(sha256Of(await buffer((await cache.openBlob(hub, APP, digest)).stream)), digest);
    assert.equal(await store.stat(digest), good.length);
  });

  it('a blob fetched for one project is not served to another without asking its upstream', async () => {
    const { layer } = image();
    await buffer((await cache.openBlob(hub, APP, layer)).stream);
    fake.blobs.clear();
    await assert.rejects(cache.openBlob(follow, APP, layer), (e: unknown) => e instanceof OciError && e.code === 'BLOB_UNKNOWN');
  });

  it('while one project downloads a blob, another asks its own upstream; it joins only when its index links the blob', async () => {
    const bytes = randomBytes(5000);
    const digest = fake.putBlob(bytes) as Digest;
    let open!: () => void;
    fake.blobGate = new Promise<void>((resolve) => (open = resolve));
    const blobGets = () => upstream.calls.filter((c) => c === `GET /v2/${APP}/blobs/${digest}`).length;
    const owner = await cache.openBlob(hub, APP, digest);
    // Not the hub's download: follow's own upstream is asked (its answer would be 404 if it lacked the blob).
    const other = await cache.openBlob(follow, APP, digest);
    assert.equal(blobGets(), 2);
    assert.deepEqual(events, []);
    // A blob follow's index links (its file gone, say) may come from any download of it.
    const third = randomBytes(3000);
    const linked = fake.putBlob(third) as Digest;
    await catalog.setBlob('follow', linked, { size: third.length, lastPulled: now });
    const hubFill = await cache.openBlob(hub, APP, linked);
    const joined = await cache.openBlob(follow, APP, linked);
    assert.equal(upstream.calls.filter((c) => c === `GET /v2/${APP}/blobs/${linked}`).length, 1);
    assert.deepEqual(events, ['coalesced blob']);
    open();
    for (const [body, want] of [[owner, digest], [other, digest], [hubFill, linked], [joined, linked]] as const) {
      assert.equal(sha256Of(await buffer(body.stream)), want);
    }
  });

  it('serves the stored type when the client accepts it, and asks the upstream with the client\'s Accept when not', async () => {
    const { manifest } = image();
    const docker = fake.putManifest(APP, { schemaVersion: 2, mediaType: DOCKER_MANIFEST, layers: [] });
    assert.equal((await cache.getManifest(hub, APP, V1, [OCI_MANIFEST, DOCKER_MANIFEST])).digest, manifest);
    // An upstream that converts for this client: the Accept goes along, the other type comes back.
    const inner = fake.send.bind(fake);
    fake.send = (req) => (req.headers?.accept === DOCKER_MANIFEST ? inner({ ...req, path: `/v2/${APP}/manifests/${docker}` }) : inner(req));
    const converted = await cache.getManifest(hub, APP, V1, [DOCKER_MANIFEST]);
    assert.equal(converted.mediaType, DOCKER_MANIFEST);
    assert.equal(converted.digest, docker);
  });

  it('MANIFEST_UNKNOWN when the client accepts none of the stored type and the upstream is offline', async () => {
    image();
    await cache.getManifest(hub, APP, V1);
    fake.failure = { kind: 'down' };
    await assert.rejects(cache.getManifest(hub, APP, V1, [DOCKER_LIST]), (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN');
  });

  it('serves the kept tag list when the upstream fails', async () => {
    image('v1');
    image('v2');
    assert.deepEqual((await cache.tags(hub, APP)).sort(), ['v1', 'v2']);
    fake.failure = { kind: 'status', status: 502 };
    assert.deepEqual((await cache.tags(hub, APP)).sort(), ['v1', 'v2']);
    await assert.rejects(cache.tags(hub, 'library/never' as RepositoryName), (e: unknown) => (toOciError(e)?.status ?? 0) >= 500);
  });

  describe('with the store full', () => {
    let full: PullThrough;
    let warnings: string[];
    beforeEach(async () => {
      // A store that keeps more free than any disk has: every download finds it full.
      const fullStore = new FileBlobStore(dir, { minFreeBytes: Number.MAX_SAFE_INTEGER });
      warnings = [];
      full = new PullThrough({
        store: fullStore, catalog: Catalog.inMemory(), now: () => now, upstreams: new Map([['hub', new OciUpstream(upstream)]]),
        warn: (message, fields) => warnings.push(`${message} ${String(fields.cause)}`),
      });
    });

    it('serves a cold blob whole and verified, stores nothing, and says so in the log', async () => {
      const { layer } = image('v1', randomBytes(300_000));
      const body = await full.openBlob(hub, APP, layer);
      assert.equal(sha256Of(await buffer(body.stream)), layer);
      assert.equal(await store.stat(layer), undefined);
      assert.match(warnings.join('\n'), /store full: serving a blob without caching it .*ENOSPC/);
    });

    it('concurrent callers each get the blob (an uncached download serves one client)', async () => {
      const { layer } = image('v1', randomBytes(300_000));
      const bodies = await Promise.all([full.openBlob(hub, APP, layer), full.openBlob(hub, APP, layer)]);
      for (const b of bodies) assert.equal(sha256Of(await buffer(b.stream)), layer);
      assert.equal(upstream.count('GET', `/blobs/${layer}`), 2);
    });

    it('serves a manifest by tag without caching it', async () => {
      const { manifest } = image();
      assert.equal((await full.getManifest(hub, APP, V1)).digest, manifest);
      assert.equal(await store.stat(manifest as Digest), undefined);
      assert.match(warnings.join('\n'), /store full: serving a manifest without caching it/);
    });

    it('wrong bytes from the upstream still end in an error', async () => {
      const good = randomBytes(5000);
      const digest = sha256Of(good);
      fake.blobs.set(digest, randomBytes(5000));
      await assert.rejects(buffer((await full.openBlob(hub, APP, digest)).stream), /does not match/);
    });
  });
});
