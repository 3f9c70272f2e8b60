import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import { ManifestTooLarge, UpstreamError, type UpstreamErrorKind } from '../upstream/errors.ts';
import { toOciError } from './errors.ts';

describe('toOciError: what a client is told', () => {
  const UPSTREAM_SAYS = 'GET /v2/private/app/manifests/v1: upstream answered';
  const cases: [string, UpstreamError, string, number][] = [
    ['a 429', new UpstreamError('rate-limited', UPSTREAM_SAYS, { status: 429 }), 'TOOMANYREQUESTS', 429],
    ['credentials refused: the proxy\'s fault, not the client\'s', new UpstreamError('unauthorized', UPSTREAM_SAYS, { status: 401 }), 'UNAUTHORIZED', 502],
    ['a 403', new UpstreamError('denied', UPSTREAM_SAYS, { status: 403 }), 'DENIED', 403],
    ['a 404 nobody turned into a verdict', new UpstreamError('not-found', UPSTREAM_SAYS, { status: 404 }), 'NAME_UNKNOWN', 404],
    ['a 503 stays a 503', new UpstreamError('unavailable', UPSTREAM_SAYS, { status: 503 }), 'UPSTREAM_UNAVAILABLE', 503],
    ['a 500', new UpstreamError('unavailable', UPSTREAM_SAYS, { status: 500 }), 'UPSTREAM_UNAVAILABLE', 502],
    ['no answer', new UpstreamError('unavailable', `${UPSTREAM_SAYS} ECONNREFUSED`), 'UPSTREAM_UNAVAILABLE', 502],
    ['nonsense', new UpstreamError('invalid', `${UPSTREAM_SAYS} too many redirects`), 'UPSTREAM_UNAVAILABLE', 502],
  ];
  for (const [what, err, code, status] of cases) {
    it(`${what}: ${code} ${status}, the upstream's message only as the cause`, () => {
      const oci = toOciError(err)!;
      assert.equal(oci.code, code);
      assert.equal(oci.status, status);
      assert.equal(oci.cause, err);
      assert.ok(!oci.message.includes(err.message));
    });
  }

  it('passes a 429\'s Retry-After on', () => {
    assert.deepEqual(toOciError(new UpstreamError('rate-limited', 'x', { status: 429, retryAfter: '42' }))!.headers, { 'retry-after': '42' });
  });

  it('covers every kind', () => {
    const kinds: UpstreamErrorKind[] = ['not-found', 'unavailable', 'rate-limited', 'unauthorized', 'denied', 'invalid'];
    for (const kind of kinds) assert.ok(toOciError(new UpstreamError(kind, 'x')) instanceof OciError, kind);
  });

  it('a manifest past the limit is MANIFEST_INVALID (400)', () => {
    const oci = toOciError(new ManifestTooLarge(4))!;
    assert.deepEqual([oci.code, oci.status], ['MANIFEST_INVALID', 400]);
  });

  it('an OciError passes as it is; anything else has no protocol word (a 500 for the caller)', () => {
    const own = new OciError('BLOB_UNKNOWN', 'blob x is not known');
    assert.equal(toOciError(own), own);
    assert.equal(toOciError(new TypeError('bug')), undefined);
    assert.equal(toOciError('a string'), undefined);
  });
});
