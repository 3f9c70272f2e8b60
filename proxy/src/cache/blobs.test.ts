import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { Project } from '../project.ts';
import type { FileBlobStore } from '../store/file-store.ts';
import type { CountingUpstream, FakeUpstream } from '../upstream/fake.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import { Blobs } from './blobs.ts';
import type { FillLeases } from './fill-leases.ts';
import { fakeContext, fakeContextWithStore, fullStore, keepAndFollow, type FakeContext } from './fake-context.ts';

const APP = 'library/app' as RepositoryName;
const isCode = (code: string) => (e: unknown) => e instanceof OciError && e.code === code;

describe('Blobs', () => {
  let dispose: () => Promise<void>;
  let store: FileBlobStore;
  let fake: FakeUpstream;
  let counting: CountingUpstream;
  let ctx: FakeContext;
  let blobs: Blobs;
  let keep: Project;
  let follow: Project;
  let bytes: Buffer;
  let digest: Digest;

  beforeEach(async () => {
    ({ ctx, store, fake, counting, dispose } = await fakeContextWithStore());
    blobs = new Blobs(ctx);
    ({ keep, follow } = keepAndFollow({ notFoundTTL: '1m' }));
    bytes = randomBytes(20_000);
    digest = fake.putBlob(bytes) as Digest;
  });
  afterEach(() => dispose());

  /** Resolves when the observer hears that the next blob was stored (linked in the catalog and retention). */
  function nextStored(): Promise<void> {
    const observer = ctx.observer;
    const before = observer.stored;
    return new Promise((resolve) => {
      observer.stored = (project, size) => {
        observer.stored = before;
        before(project, size);
        resolve();
      };
    });
  }

  it('a cold blob comes from the upstream, is linked to the project, and is then served from the store', async () => {
    const stored = nextStored();
    const first = await blobs.open(keep, APP, digest);
    assert.equal(first.source, 'upstream');
    assert.equal(first.size, bytes.length);
    assert.deepEqual(await buffer(first.stream), bytes);
    await stored;
    assert.equal((await ctx.catalog.getBlob('keep', digest))?.size, bytes.length);
    const second = await blobs.open(keep, APP, digest);
    assert.equal(second.source, 'cache');
    assert.deepEqual(await buffer(second.stream), bytes);
    assert.equal(counting.count('GET', '/blobs/'), 1);
    assert.deepEqual(ctx.events, ['miss blob', 'stored keep', 'hit blob']);
  });

  it('serves a range of a stored blob, and refuses one past its end with RANGE_INVALID and the size', async () => {
    const stored = nextStored();
    await buffer((await blobs.open(keep, APP, digest)).stream);
    await stored;
    const part = await blobs.open(keep, APP, digest, { start: 100, end: 199 });
    assert.equal(part.size, 100);
    assert.deepEqual(await buffer(part.stream), bytes.subarray(100, 200));
    await assert.rejects(blobs.open(keep, APP, digest, { start: 0, end: bytes.length }), (e: unknown) =>
      isCode('RANGE_INVALID')(e) && (e as OciError).headers['content-range'] === `bytes */${bytes.length}`);
  });

  it('a stored blob is another project\'s only once the upstream gave it to that project too', async () => {
    const stored = nextStored();
    await buffer((await blobs.open(keep, APP, digest)).stream);
    await stored;
    assert.equal(await blobs.stat(follow, APP, digest), bytes.length);
    assert.equal(counting.count('HEAD', '/blobs/'), 1, 'follow asked its own upstream');
    fake.blobs.clear();
    await assert.rejects(blobs.stat(follow, APP, digest), isCode('BLOB_UNKNOWN'));
  });

  it('stat: an upstream 404 is BLOB_UNKNOWN, remembered for notFoundTTL', async () => {
    const missing = sha256Of(Buffer.from('never pushed'));
    for (let i = 0; i < 3; i++) await assert.rejects(blobs.stat(keep, APP, missing), isCode('BLOB_UNKNOWN'));
    await assert.rejects(blobs.open(keep, APP, missing), isCode('BLOB_UNKNOWN'));
    assert.equal(counting.calls.length, 1);
    ctx.advance(60_000);
    await assert.rejects(blobs.stat(keep, APP, missing), isCode('BLOB_UNKNOWN'));
    assert.equal(counting.calls.length, 2);
  });

  it('a full store: the blob streams to the client and nothing is kept', async () => {
    ctx = fakeContext({ upstream: new OciUpstream(counting), store: fullStore(store) });
    blobs = new Blobs(ctx);
    const body = await blobs.open(keep, APP, digest);
    assert.equal(body.source, 'upstream');
    assert.deepEqual(await buffer(body.stream), bytes);
    assert.equal(await store.stat(digest), undefined);
    assert.equal(await ctx.catalog.getBlob('keep', digest), undefined);
  });

  it('an upstream failure passes on and is reported; nothing is stored', async () => {
    fake.failure = { kind: 'status', status: 503 };
    await assert.rejects(blobs.open(keep, APP, digest), (e: unknown) => (e as { status?: number }).status === 503);
    assert.deepEqual(ctx.events, ['miss blob', 'error keep']);
    assert.equal(await store.stat(digest), undefined);
  });

  it('serves from the store what another replica fetched while this one waited for the fill lease', async () => {
    const otherReplica: FillLeases = {
      shared: true,
      claim: async (_key, _what, stored) => {
        // The other replica's fill ends: the blob is in the shared store and linked in the shared index.
        const w = await store.writer(digest, bytes.length);
        await w.write(bytes);
        await w.commit();
        await ctx.catalog.setBlob(keep.name, digest, { size: bytes.length, lastPulled: 1 });
        return (await stored()) ? undefined : { release: async () => undefined };
      },
    };
    const waiting = new Blobs({ ...ctx, fills: otherReplica });
    const body = await waiting.open(keep, APP, digest);
    assert.equal(body.source, 'cache');
    assert.deepEqual(await buffer(body.stream), bytes);
    assert.deepEqual(counting.calls, [], 'nothing asked of the upstream');
  });
});
