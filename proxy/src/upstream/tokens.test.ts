import assert from 'node:assert/strict';
import { EXPIRY_MARGIN_MS, TokenCache } from './tokens.ts';

describe('TokenCache', () => {
  const SCOPE = 'repository:library/app:pull';
  let now: number;
  let tokens: TokenCache;
  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    tokens = new TokenCache(() => now);
  });

  it('holds a token until its lifetime less the margin, then no longer', () => {
    assert.equal(tokens.keep(SCOPE, { token: 't1', expires_in: 300 }, now), 'Bearer t1');
    now += 300_000 - EXPIRY_MARGIN_MS - 1;
    assert.equal(tokens.valid(SCOPE), 'Bearer t1');
    now += 1;
    assert.equal(tokens.valid(SCOPE), undefined);
  });

  it('keeps tokens per scope', () => {
    tokens.keep(SCOPE, { token: 't1', expires_in: 300 }, now);
    assert.equal(tokens.valid('repository:library/other:pull'), undefined);
  });

  it('takes access_token when token is missing, and 60 s when expires_in is', () => {
    assert.equal(tokens.keep(SCOPE, { access_token: 'a1' }, now), 'Bearer a1');
    now += 60_000 - EXPIRY_MARGIN_MS;
    assert.equal(tokens.valid(SCOPE), undefined);
  });

  it('counts from issued_at when the service issued it before we asked (its clock behind ours)', () => {
    tokens.keep(SCOPE, { token: 't1', expires_in: 60, issued_at: new Date(now - 30_000).toISOString() }, now);
    now += 60_000 - 30_000 - EXPIRY_MARGIN_MS;
    assert.equal(tokens.valid(SCOPE), undefined);
  });

  it('does not lengthen a token whose issued_at is ahead of our clock, nor trust one that is not a date', () => {
    tokens.keep(SCOPE, { token: 't1', expires_in: 60, issued_at: new Date(now + 3_600_000).toISOString() }, now);
    tokens.keep('other', { token: 't2', expires_in: 60, issued_at: 'yesterday' }, now);
    now += 60_000 - EXPIRY_MARGIN_MS;
    assert.equal(tokens.valid(SCOPE), undefined);
    assert.equal(tokens.valid('other'), undefined);
  });

  it('a lifetime shorter than the margin is never used again', () => {
    tokens.keep(SCOPE, { token: 't1', expires_in: 5 }, now);
    assert.equal(tokens.valid(SCOPE), undefined);
  });

  it('an answer without a token keeps nothing', () => {
    assert.equal(tokens.keep(SCOPE, { expires_in: 300 }, now), undefined);
    assert.equal(tokens.valid(SCOPE), undefined);
  });
});
