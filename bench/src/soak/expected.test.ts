import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Answer } from './exchange.ts';
import { content, mismatch, ociError, type Expected } from './expected.ts';

const bytes = Buffer.from('layer bytes');
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function answer(over: Partial<Answer>): Answer {
  return { method: 'GET', target: '/v2/x/blobs/d', status: 200, headers: {}, bytes: 0, digest: 'sha256:none', head: Buffer.alloc(0), startedMs: 0, endedMs: 1, ...over };
}
const body = (doc: unknown) => {
  const b = Buffer.from(JSON.stringify(doc));
  return { head: b, bytes: b.byteLength };
};
const unauthorized = { status: 401, headers: { 'www-authenticate': 'Basic realm="berth"' }, ...body({ errors: [{ code: 'UNAUTHORIZED' }] }) };

describe('soak expectations', () => {
  it('accepts the content only with its exact bytes', () => {
    const expected = content(digest, bytes.byteLength);
    assert.equal(mismatch(answer({ digest, bytes: bytes.byteLength }), expected), undefined);
    assert.match(mismatch(answer({ digest: 'sha256:00', bytes: bytes.byteLength }), expected)!, /body digest/);
    assert.match(mismatch(answer({ digest, bytes: bytes.byteLength, broken: 'ECONNRESET' }), expected)!, /broken: ECONNRESET/);
    assert.match(mismatch(answer({ status: 502, ...body({ errors: [{ code: 'UPSTREAM_UNAVAILABLE' }] }) }), expected)!, /status 502/);
    assert.match(mismatch(answer({ digest, bytes: bytes.byteLength, headers: { 'docker-content-digest': 'sha256:11' } }), expected)!, /Docker-Content-Digest/);
  });

  it('checks a HEAD by its headers, and that it has no body', () => {
    const expected = content(digest, 11);
    assert.equal(mismatch(answer({ method: 'HEAD', headers: { 'docker-content-digest': digest, 'content-length': '11' } }), expected), undefined);
    assert.match(mismatch(answer({ method: 'HEAD', headers: {} }), expected)!, /no Docker-Content-Digest/);
  });

  it('accepts an error only with its status, its OCI code and nothing of the content', () => {
    const expected = ociError([401], ['UNAUTHORIZED'], true);
    assert.equal(mismatch(answer(unauthorized), expected), undefined);
    assert.match(mismatch(answer({ ...unauthorized, headers: {} }), expected)!, /no Basic challenge/);
    assert.match(mismatch(answer({ ...unauthorized, headers: { ...unauthorized.headers, 'docker-content-digest': digest } }), expected)!, /carries Docker-Content-Digest/);
    assert.match(mismatch(answer({ status: 200, digest, bytes: 11 }), expected)!, /status 200, not 401/);
    assert.match(mismatch(answer({ status: 401, headers: unauthorized.headers, head: bytes, bytes: bytes.byteLength }), expected)!, /not an OCI error document/);
    assert.match(mismatch(answer({ status: 404, ...body({ errors: [{ code: 'NAME_UNKNOWN' }] }) }), ociError([404], ['MANIFEST_UNKNOWN']))!, /code NAME_UNKNOWN/);
  });

  it('accepts any option of an either, and a broken answer only when allowed', () => {
    const either: Expected = { kind: 'either', options: [content(digest), ociError([502], ['UPSTREAM_UNAVAILABLE'])], brokenAllowed: true, why: 'test' };
    assert.equal(mismatch(answer({ status: 502, ...body({ errors: [{ code: 'UPSTREAM_UNAVAILABLE' }] }) }), either), undefined);
    assert.equal(mismatch(answer({ digest, bytes: 11 }), either), undefined);
    assert.equal(mismatch(answer({ status: 200, broken: 'ECONNRESET' }), either), undefined);
    assert.notEqual(mismatch(answer({ status: 200, broken: 'ECONNRESET' }), { ...either, brokenAllowed: false }), undefined);
    assert.notEqual(mismatch(answer({ status: 404, ...body({ errors: [{ code: 'BLOB_UNKNOWN' }] }) }), either), undefined);
  });
});
