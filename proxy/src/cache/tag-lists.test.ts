import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import type { RepositoryName } from '../oci/names.ts';
import type { Project } from '../project.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { CountingUpstream, FakeUpstream } from '../upstream/fake.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import { fakeContext, keepAndFollow, type FakeContext } from './fake-context.ts';
import { TagLists } from './tag-lists.ts';

const APP = 'library/app' as RepositoryName;
const GONE = 'library/gone' as RepositoryName;

describe('TagLists', () => {
  let fake: FakeUpstream;
  let counting: CountingUpstream;
  let ctx: FakeContext;
  let lists: TagLists;
  let keep: Project;
  let follow: Project;

  beforeEach(() => {
    fake = new FakeUpstream();
    counting = new CountingUpstream(fake);
    ctx = fakeContext({ upstream: new OciUpstream(counting) });
    lists = new TagLists(ctx);
    ({ keep, follow } = keepAndFollow({ notFoundTTL: '1m' }));
    fake.putManifest(APP, { schemaVersion: 2 }, { tag: 'v1' });
    fake.putManifest(GONE, { schemaVersion: 2, n: 1 }, { tag: 'old' });
  });

  it('gives the upstream\'s list and keeps it; serves the kept list while the upstream fails', async () => {
    assert.deepEqual(await lists.get(keep, APP), ['v1']);
    fake.failure = { kind: 'down' };
    assert.deepEqual(await lists.get(keep, APP), ['v1']);
    assert.deepEqual(ctx.events, []);
  });

  it('an upstream failure with no kept list passes on as the UpstreamError, and is reported', async () => {
    fake.failure = { kind: 'status', status: 503 };
    await assert.rejects(lists.get(keep, APP), (e: unknown) => e instanceof UpstreamError && e.status === 503);
    assert.deepEqual(ctx.events, ['error keep']);
  });

  it('a repository deleted upstream: the kept list for a project that keeps content, NAME_UNKNOWN for one that follows', async () => {
    await lists.get(keep, GONE);
    await lists.get(follow, GONE);
    for (const key of [...fake.tags.keys()]) if (key.startsWith(`${GONE}:`)) fake.tags.delete(key);
    assert.deepEqual(await lists.get(keep, GONE), ['old']);
    await assert.rejects(lists.get(follow, GONE), (e: unknown) => e instanceof OciError && e.code === 'NAME_UNKNOWN');
  });

  it('remembers an upstream 404 for notFoundTTL: one upstream request, then none until it passed', async () => {
    const never = 'library/never' as RepositoryName;
    for (let i = 0; i < 3; i++) await assert.rejects(lists.get(keep, never), (e: unknown) => e instanceof OciError && e.code === 'NAME_UNKNOWN');
    assert.equal(counting.count('GET', '/library/never/tags/list'), 1);
    ctx.advance(60_000);
    await assert.rejects(lists.get(keep, never));
    assert.equal(counting.count('GET', '/library/never/tags/list'), 2);
  });
});
