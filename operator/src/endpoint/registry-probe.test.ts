import assert from 'node:assert/strict';
import { parseChallenge, readRateLimit } from './registry-probe.ts';

describe('registry probe parsing', () => {
  it('parses Bearer and Basic challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'), {
      scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
    });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
    assert.equal(parseChallenge(undefined), undefined);
  });

  it('reads the rate limit headers Docker Hub sends', () => {
    assert.deepEqual(readRateLimit({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }), { remaining: 76, limit: 100, window: '21600s' });
    assert.equal(readRateLimit({}), undefined);
  });
});
