import assert from 'node:assert/strict';
import type { Digest } from '../oci/digest.ts';
import { InFlight } from './inflight.ts';

const d = `sha256:${'a'.repeat(64)}` as Digest;

describe('InFlight', () => {
  it('finds a download only under the project that started it', () => {
    const fills = new InFlight<string>();
    fills.set('private', d, 'fill');
    assert.equal(fills.get('private', d), 'fill');
    assert.equal(fills.get('public', d), undefined);
    assert.equal(fills.any(d), 'fill');
  });

  it('keeps one download per project and digest, and forgets only the one given', () => {
    const fills = new InFlight<string>();
    fills.set('a', d, 'first');
    fills.set('b', d, 'second');
    fills.delete('a', d, 'not-it');
    assert.equal(fills.get('a', d), 'first');
    fills.delete('a', d, 'first');
    assert.equal(fills.get('a', d), undefined);
    assert.equal(fills.any(d), 'second');
    fills.delete('b', d, 'second');
    assert.equal(fills.any(d), undefined);
  });
});
