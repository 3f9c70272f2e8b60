import assert from 'node:assert/strict';
import { upstreamErrorKind, withheldMessage } from './withhold.ts';

describe('upstreamErrorKind', () => {
  const D = `sha256:${'e'.repeat(64)}`;
  const cases: [string, string][] = [
    [`GET /v2/team/secret/blobs/${D}: upstream answered 503`, 'upstream answered 503'],
    ['GET /v2/team/secret/manifests/v1: upstream refused the credentials (401)', 'upstream refused the credentials (401)'],
    ['GET /v2/team/secret/manifests/v1: upstream denied access (403)', 'upstream denied access (403)'],
    ['GET /v2/team/secret/manifests/v1: upstream needs credentials', 'upstream needs credentials'],
    ['GET /v2/team/secret/manifests/v1: too many redirects', 'too many redirects'],
    ['GET /v2/team/secret/manifests/v1: ECONNREFUSED connect ECONNREFUSED 10.0.0.7:5000', 'ECONNREFUSED'],
    ['GET /v2/team/secret/manifests/v1: UND_ERR_HEADERS_TIMEOUT Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'],
    [`blob ${D}: upstream sent 10 of 20 bytes`, 'upstream sent a short body'],
    [`blob ${D}: something nobody foresaw about team/secret`, 'upstream error'],
    ['', 'upstream error'],
  ];
  for (const [message, kind] of cases) {
    it(`${JSON.stringify(message.slice(0, 60))} → ${kind}`, () => {
      assert.equal(upstreamErrorKind(message), kind);
      assert.doesNotMatch(withheldMessage(message), /secret|e{64}|10\.0\.0\.7/);
    });
  }
});
