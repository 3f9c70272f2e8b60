import assert from 'node:assert/strict';
import { OciError } from '../oci/errors.ts';
import { parseTarget } from './target.ts';

describe('parseTarget', () => {
  const good: [string, string, string][] = [
    ['/v2/library/app/manifests/v1', '/v2/library/app/manifests/v1', ''],
    ['/v2/app/tags/list?ns=docker.io&n=2', '/v2/app/tags/list', '?ns=docker.io&n=2'],
    ['//', '//', ''],
    ['//a:b@/', '//a:b@/', ''],
    ['//[', '//[', ''],
    ['/%', '/%', ''],
    ['http://x/v2/app/manifests/v1?ns=quay.io', '/v2/app/manifests/v1', '?ns=quay.io'],
    ['https://u:p@x/v2/', '/v2/', ''],
  ];
  for (const [target, pathname, search] of good) {
    it(`${JSON.stringify(target)} → ${pathname}${search}`, () => {
      const url = parseTarget(target);
      assert.equal(url.pathname, pathname);
      assert.equal(url.search, search);
    });
  }
  const bad: [string, string][] = [
    ['http://[', 'NAME_INVALID'], ['http://[/v2/', 'NAME_INVALID'], ['http://', 'NAME_INVALID'],
    ['http://x:99999/v2/', 'NAME_INVALID'], ['http://x:port/v2/', 'NAME_INVALID'],
    ['*', 'NAME_UNKNOWN'], ['example.com:443', 'NAME_UNKNOWN'], ['a', 'NAME_UNKNOWN'], ['', 'NAME_UNKNOWN'],
  ];
  for (const [target, code] of bad) {
    it(`${JSON.stringify(target)}: OciError ${code}`, () => {
      assert.throws(() => parseTarget(target), (err) => err instanceof OciError && err.code === code && err.status < 500);
    });
  }
});
