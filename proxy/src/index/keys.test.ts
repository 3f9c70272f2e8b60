import assert from 'node:assert/strict';
import type { Digest } from '../oci/digest.ts';
import { blobKey, manifestKey, parseKey, projectOfKey, tagKey, tagListKey } from './keys.ts';

const D = `sha256:${'ab'.repeat(32)}` as Digest;

describe('catalog keys', () => {
  it('parse back into the parts they were built from', () => {
    assert.deepEqual(parseKey(manifestKey('hub', 'library/app', D)), { kind: 'manifest', project: 'hub', repo: 'library/app', digest: D });
    assert.deepEqual(parseKey(blobKey('hub', D)), { kind: 'blob', project: 'hub', digest: D });
    assert.deepEqual(parseKey(tagKey('my-proj', 'org/team/app', 'v1.2_rc-3')), { kind: 'tag', project: 'my-proj', repo: 'org/team/app', tag: 'v1.2_rc-3' });
  });

  it('the tag list and unknown keys are not artifacts', () => {
    assert.equal(parseKey(tagListKey('hub', 'library/app')), undefined);
    assert.equal(parseKey('something:else'), undefined);
    assert.equal(parseKey(`manifest:hub/app@not-a-digest`), undefined);
  });

  it('name the project of a manifest or blob key, and of no other', () => {
    assert.equal(projectOfKey(manifestKey('hub', 'library/app', D)), 'hub');
    assert.equal(projectOfKey(blobKey('ghcr-io', D)), 'ghcr-io');
    assert.equal(projectOfKey(tagKey('hub', 'library/app', 'v1')), undefined);
    assert.equal(projectOfKey(tagListKey('hub', 'library/app')), undefined);
  });

  it('keep one project\'s keys apart from another\'s whose name starts alike', () => {
    assert.notEqual(blobKey('hub', D), blobKey('hub2', D));
    assert.equal(projectOfKey(blobKey('hub2', D)), 'hub2');
  });
});
