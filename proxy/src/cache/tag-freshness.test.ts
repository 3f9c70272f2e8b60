import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import { OCI_MANIFEST } from '../oci/mediatypes.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';
import type { CountingUpstream, FakeUpstream } from '../upstream/fake.ts';
import type { CacheContext } from './context.ts';
import { LOCAL_FILLS } from './fill-leases.ts';
import { fakeContextWithStore, keepAndFollow, type FakeContext } from './fake-context.ts';
import { Manifests } from './manifests.ts';
import { TagFreshness } from './tag-freshness.ts';

const APP = 'library/app' as RepositoryName;
const V1 = 'v1' as Tag;
const MINUTE = 60_000;

describe('TagFreshness', () => {
  let dispose: () => Promise<void>;
  let fake: FakeUpstream;
  let counting: CountingUpstream;
  let ctx: FakeContext;
  let tags: TagFreshness;
  let keep: Project;
  let follow: Project;

  const push = (n: number) => fake.putManifest(APP, { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [], n }, { tag: 'v1' });
  /** `HEAD`/`GET` of the manifests, in order. */
  const asked = () => counting.calls.filter((c) => c.includes('/manifests/')).map((c) => c.split(' ')[0]);

  beforeEach(async () => {
    ({ ctx, fake, counting, dispose } = await fakeContextWithStore());
    tags = new TagFreshness(ctx, new Manifests(ctx));
    ({ keep, follow } = keepAndFollow({ tagTTL: '5m', notFoundTTL: '1m' }));
  });
  afterEach(() => dispose());

  it('fetches a tag first seen with one GET; trusts it for its TTL; then one HEAD, and no GET while the digest is unchanged', async () => {
    const digest = push(1);
    assert.equal((await tags.byTag(keep, APP, V1)).digest, digest);
    assert.deepEqual(asked(), ['GET']);
    ctx.advance(5 * MINUTE - 1);
    await tags.byTag(keep, APP, V1);
    assert.deepEqual(asked(), ['GET']);
    ctx.advance(1);
    assert.equal((await tags.byTag(keep, APP, V1)).digest, digest);
    assert.deepEqual(asked(), ['GET', 'HEAD']);
    // The check renewed the TTL.
    await tags.byTag(keep, APP, V1);
    assert.deepEqual(asked(), ['GET', 'HEAD']);
  });

  it('replicas sharing a store ask for a tag first seen with a HEAD, so that its manifest is fetched under a lease', async () => {
    const shared: CacheContext = Object.create(ctx, { fills: { value: { ...LOCAL_FILLS, shared: true } } });
    const digest = push(1);
    assert.equal((await new TagFreshness(shared, new Manifests(shared)).byTag(keep, APP, V1)).digest, digest);
    assert.deepEqual(asked(), ['HEAD', 'GET']);
    assert.ok(counting.calls.some((c) => c.startsWith('GET') && c.includes(`/manifests/${digest}`)), 'the GET is by digest');
  });

  it('a tag moved upstream: its new manifest is fetched once the TTL passed', async () => {
    push(1);
    await tags.byTag(keep, APP, V1);
    const moved = push(2);
    ctx.advance(5 * MINUTE);
    assert.equal((await tags.byTag(keep, APP, V1)).digest, moved);
    assert.deepEqual(asked(), ['GET', 'HEAD', 'GET']);
  });

  it('a tag moved back to a digest already stored costs a HEAD, not a GET', async () => {
    const first = push(1);
    await tags.byTag(keep, APP, V1);
    push(2);
    ctx.advance(5 * MINUTE);
    await tags.byTag(keep, APP, V1);
    fake.tags.set(`${APP}:v1`, first);
    ctx.advance(5 * MINUTE);
    assert.equal((await tags.byTag(keep, APP, V1)).digest, first);
    assert.deepEqual(asked(), ['GET', 'HEAD', 'GET', 'HEAD']);
  });

  it('concurrent callers of a stale tag share one check', async () => {
    push(1);
    await tags.byTag(keep, APP, V1);
    ctx.advance(5 * MINUTE);
    await Promise.all(Array.from({ length: 5 }, () => tags.byTag(keep, APP, V1)));
    assert.deepEqual(asked(), ['GET', 'HEAD']);
    assert.equal(ctx.events.filter((e) => e === 'coalesced manifest').length, 4);
  });

  it('a tag the upstream does not know is MANIFEST_UNKNOWN, and is not asked about again for notFoundTTL', async () => {
    const unknown = (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN';
    await assert.rejects(tags.byTag(keep, APP, V1), unknown);
    await assert.rejects(tags.byTag(keep, APP, V1), unknown);
    assert.equal(asked().length, 1);
    push(1);
    ctx.advance(MINUTE);
    await tags.byTag(keep, APP, V1);
  });

  it('a tag deleted upstream: kept and marked for a project that keeps content, forgotten for one that follows', async () => {
    push(1);
    await tags.byTag(keep, APP, V1);
    await tags.byTag(follow, APP, V1);
    fake.tags.clear();
    ctx.advance(5 * MINUTE);
    await tags.byTag(keep, APP, V1);
    assert.equal((await ctx.catalog.getTag('keep', APP, V1))?.upstreamDeleted, true);
    await assert.rejects(tags.byTag(follow, APP, V1), (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN');
    assert.equal(await ctx.catalog.getTag('follow', APP, V1), undefined);
  });

  it('an upstream down past the TTL: the stored manifest is served stale and reported', async () => {
    const digest = push(1);
    await tags.byTag(keep, APP, V1);
    fake.failure = { kind: 'down' };
    ctx.advance(5 * MINUTE);
    assert.equal((await tags.byTag(keep, APP, V1)).digest, digest);
    assert.ok(ctx.events.includes('error keep'), ctx.events.join(', '));
  });
});
