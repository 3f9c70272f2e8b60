import assert from 'node:assert/strict';
import { OciError, SPEC_ERROR_CODES, type OciErrorCode } from './errors.ts';

describe('OciError body', () => {
  const codes: OciErrorCode[] = [
    'BLOB_UNKNOWN', 'MANIFEST_UNKNOWN', 'MANIFEST_INVALID', 'NAME_UNKNOWN', 'NAME_INVALID', 'DIGEST_INVALID',
    'TAG_INVALID', 'SIZE_INVALID', 'RANGE_INVALID', 'TOOMANYREQUESTS', 'UNAUTHORIZED', 'DENIED', 'UNSUPPORTED',
    'UPSTREAM_UNAVAILABLE',
  ];
  const bodyCode = (err: OciError) => (JSON.parse(err.body()) as { errors: { code: string }[] }).errors[0]!.code;
  for (const code of codes) {
    for (const status of [undefined, 400, 404]) {
      it(`${code}${status ? ` as ${status}` : ''}: a 4xx body carries a code of the spec's list`, () => {
        const err = new OciError(code, 'x', status ? { status } : {});
        if (err.status < 500) assert.ok((SPEC_ERROR_CODES as readonly string[]).includes(bodyCode(err)), bodyCode(err));
      });
    }
  }
  it('a 416 for a range is UNSUPPORTED on the wire, RANGE_INVALID inside', () => {
    const err = new OciError('RANGE_INVALID', 'x');
    assert.equal(err.status, 416);
    assert.equal(err.code, 'RANGE_INVALID');
    assert.equal(bodyCode(err), 'UNSUPPORTED');
  });
  it('a 5xx keeps Berth\'s own code', () => assert.equal(bodyCode(new OciError('UPSTREAM_UNAVAILABLE', 'x')), 'UPSTREAM_UNAVAILABLE'));
});
