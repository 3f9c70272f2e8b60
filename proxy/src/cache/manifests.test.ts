import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import { DOCKER_MANIFEST, OCI_MANIFEST } from '../oci/mediatypes.ts';
import type { RepositoryName, Tag } from '../oci/names.ts';
import type { Project } from '../project.ts';
import type { BlobStore } from '../store/blobstore.ts';
import type { FileBlobStore } from '../store/file-store.ts';
import type { CountingUpstream, FakeUpstream } from '../upstream/fake.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import { fakeContext, fakeContextWithStore, fullStore, keepAndFollow, type FakeContext } from './fake-context.ts';
import { Manifests } from './manifests.ts';

const APP = 'library/app' as RepositoryName;
const isCode = (code: string) => (e: unknown) => e instanceof OciError && e.code === code;

describe('Manifests', () => {
  let dispose: () => Promise<void>;
  let store: FileBlobStore;
  let fake: FakeUpstream;
  let counting: CountingUpstream;
  let ctx: FakeContext;
  let manifests: Manifests;
  let keep: Project;
  let follow: Project;
  let digest: Digest;

  function using(blobStore: BlobStore): void {
    ctx = fakeContext({ upstream: new OciUpstream(counting), store: blobStore });
    manifests = new Manifests(ctx);
  }

  beforeEach(async () => {
    ({ ctx, store, fake, counting, dispose } = await fakeContextWithStore());
    manifests = new Manifests(ctx);
    ({ keep, follow } = keepAndFollow({ notFoundTTL: '1m' }));
    digest = fake.putManifest(APP, { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }, { tag: 'v1' }) as Digest;
  });
  afterEach(() => dispose());

  it('fetches a digest once, stores and records it, and serves it from then on without the upstream', async () => {
    const first = await manifests.byDigest(keep, APP, digest);
    assert.equal(first.digest, digest);
    assert.equal(first.mediaType, OCI_MANIFEST);
    assert.equal(await store.stat(digest), first.body.length);
    assert.equal((await ctx.catalog.getManifest('keep', APP, digest))?.size, first.body.length);
    fake.manifests.clear();
    assert.deepEqual((await manifests.byDigest(keep, APP, digest)).body, first.body);
    assert.equal(counting.calls.length, 1);
    assert.deepEqual(ctx.events, ['miss manifest', 'stored keep', 'hit manifest']);
  });

  it('a project that follows deletes asks the upstream with a HEAD before serving its copy', async () => {
    await manifests.byDigest(follow, APP, digest);
    await manifests.byDigest(follow, APP, digest);
    assert.equal(counting.count('HEAD', `/manifests/${digest}`), 1);
    assert.equal(counting.count('GET', '/manifests/'), 1);
  });

  it('bytes that do not match the digest asked for are MANIFEST_INVALID (502) and are not stored', async () => {
    const entry = fake.manifests.get(`${APP}@${digest}`)!;
    fake.manifests.set(`${APP}@${digest}`, { ...entry, body: Buffer.from('{"schemaVersion":2,"tampered":true}') });
    await assert.rejects(manifests.byDigest(keep, APP, digest), (e: unknown) => isCode('MANIFEST_INVALID')(e) && (e as OciError).status === 502);
    assert.equal(await store.stat(digest), undefined);
    assert.equal(await ctx.catalog.getManifest('keep', APP, digest), undefined);
  });

  it('by tag, the digest is the upstream\'s Docker-Content-Digest once the body matches it', async () => {
    const got = await manifests.fetch(keep, APP, 'v1' as Tag);
    assert.equal(got.digest, digest);
    assert.equal(sha256Of(got.body), digest);
  });

  it('remembers an upstream 404 for notFoundTTL: one upstream request, then none until it passed', async () => {
    const missing = sha256Of(Buffer.from('never pushed'));
    for (let i = 0; i < 3; i++) await assert.rejects(manifests.byDigest(keep, APP, missing), isCode('MANIFEST_UNKNOWN'));
    assert.equal(counting.count('GET', `/manifests/${missing}`), 1);
    ctx.advance(60_000);
    await assert.rejects(manifests.byDigest(keep, APP, missing), isCode('MANIFEST_UNKNOWN'));
    assert.equal(counting.count('GET', `/manifests/${missing}`), 2);
  });

  it('concurrent fetches of one manifest share one upstream GET', async () => {
    const got = await Promise.all(Array.from({ length: 5 }, () => manifests.byDigest(keep, APP, digest)));
    for (const m of got) assert.equal(m.digest, digest);
    assert.equal(counting.count('GET', '/manifests/'), 1);
    assert.equal(ctx.events.filter((e) => e === 'coalesced manifest').length, 4);
  });

  it('a full store: the manifest is served but neither stored nor recorded', async () => {
    using(fullStore(store));
    assert.equal((await manifests.byDigest(keep, APP, digest)).digest, digest);
    assert.equal(await store.stat(digest), undefined);
    assert.equal(await ctx.catalog.getManifest('keep', APP, digest), undefined);
    assert.ok(!ctx.events.includes('stored keep'));
  });

  it('local: undefined when the project\'s catalog lacks it, or its file is gone', async () => {
    await manifests.byDigest(keep, APP, digest);
    assert.equal(await manifests.local(follow, APP, digest), undefined);
    const fresh = new Manifests(ctx); // the same catalog, an empty memo: reads go to the store
    assert.equal((await fresh.local(keep, APP, digest))?.digest, digest);
    await unlink(store.paths.blob(digest));
    assert.equal(await new Manifests(ctx).local(keep, APP, digest), undefined);
  });

  it('negotiate: the upstream\'s answer to the client\'s Accept when it is of an accepted type, else MANIFEST_UNKNOWN', async () => {
    assert.equal((await manifests.negotiate(keep, APP, 'v1' as Tag, [OCI_MANIFEST])).digest, digest);
    await assert.rejects(manifests.negotiate(keep, APP, 'v1' as Tag, [DOCKER_MANIFEST]), isCode('MANIFEST_UNKNOWN'));
    fake.failure = { kind: 'down' };
    await assert.rejects(manifests.negotiate(keep, APP, 'v1' as Tag, [OCI_MANIFEST]), isCode('MANIFEST_UNKNOWN'));
  });
});

