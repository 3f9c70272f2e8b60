import assert from 'node:assert/strict';
import { parseChallenge } from './challenge.ts';

describe('parseChallenge', () => {
  it('reads a Bearer challenge', () => {
    const c = parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } });
  });
  it('reads a Basic challenge', () => {
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  });
  it('gives undefined for no header', () => assert.equal(parseChallenge(undefined), undefined));
});
