import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import type { Project } from '../project.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { fakeContext, keepAndFollow, type FakeContext } from './fake-context.ts';
import { onUpstreamFailure, STALE_RECHECK_MS } from './upstream-failure.ts';

describe('onUpstreamFailure', () => {
  let ctx: FakeContext;
  let events: string[];
  let keep: Project;
  let follow: Project;

  beforeEach(() => {
    ctx = fakeContext();
    events = ctx.events;
    ({ keep, follow } = keepAndFollow({ tagTTL: '10s' }));
  });

  const handling = (cached: string | undefined) => ({
    cached,
    markDeleted: async () => void events.push('marked'),
    forget: async () => void events.push('forgot'),
    unknown: () => new OciError('MANIFEST_UNKNOWN', 'not known'),
    staleKey: 'k',
  });
  const notFound = new UpstreamError('not-found', 'GET x: 404', { status: 404 });
  const down = new UpstreamError('unavailable', 'GET x: ECONNREFUSED');

  it('a 404 on a project that keeps content: serves the copy, marked deleted', async () => {
    assert.equal(await onUpstreamFailure(ctx, notFound, keep, handling('copy')), 'copy');
    assert.deepEqual(events, ['marked', 'deleted keep']);
  });

  it('a 404 on a project that follows deletes: forgets the copy and answers unknown', async () => {
    await assert.rejects(onUpstreamFailure(ctx, notFound, follow, handling('copy')), (e: unknown) => e instanceof OciError && e.code === 'MANIFEST_UNKNOWN');
    assert.deepEqual(events, ['forgot']);
  });

  it('a 404 with nothing stored: unknown, nothing to forget', async () => {
    await assert.rejects(onUpstreamFailure(ctx, notFound, keep, handling(undefined)), (e: unknown) => e instanceof OciError);
    assert.deepEqual(events, []);
  });

  it('an outage with a copy: serves it stale and stops asking for the shorter of the TTL and STALE_RECHECK_MS', async () => {
    assert.equal(await onUpstreamFailure(ctx, down, keep, handling('copy')), 'copy');
    assert.deepEqual(events, ['error keep']);
    ctx.advance(10_000 - 1);
    assert.ok(ctx.servedStale.has('k'));
    ctx.advance(1);
    assert.ok(!ctx.servedStale.has('k'), 'tagTTL (10 s) is shorter than STALE_RECHECK_MS');
    assert.ok(10_000 < STALE_RECHECK_MS);
  });

  it('an outage with nothing stored: the UpstreamError itself, for the HTTP layer to answer', async () => {
    await assert.rejects(onUpstreamFailure(ctx, down, keep, handling(undefined)), (e: unknown) => e === down);
  });

  it('anything that is not the upstream failing passes through untouched', async () => {
    const bug = new TypeError('bug');
    await assert.rejects(onUpstreamFailure(ctx, bug, keep, handling('copy')), (e: unknown) => e === bug);
    assert.deepEqual(events, []);
  });
});
