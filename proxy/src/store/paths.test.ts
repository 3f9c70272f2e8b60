import assert from 'node:assert/strict';
import { sha256Of } from '../oci/digest.ts';
import { storePaths } from './paths.ts';

describe('store paths', () => {
  const paths = storePaths('/data', 'berth-proxy-7d9f-abcde');

  it('lays blobs out by algorithm and the first two hex digits, under a layout version', () => {
    const digest = sha256Of(Buffer.from('layer'));
    const hex = digest.slice('sha256:'.length);
    assert.equal(paths.blob(digest), `/data/v1/blobs/sha256/${hex.slice(0, 2)}/${hex}`);
    assert.equal(paths.blobsDir, '/data/v1/blobs');
    assert.equal(paths.indexFile, '/data/index.sqlite');
  });

  it('gives each replica its own temp folder, and each download a new name in it', () => {
    assert.equal(paths.tmpRoot, '/data/v1/tmp');
    assert.equal(paths.tmpDir, '/data/v1/tmp/berth-proxy-7d9f-abcde');
    const [a, b] = [paths.newTemp(), paths.newTemp()];
    assert.notEqual(a, b);
    assert.ok(a.startsWith(`${paths.tmpDir}/`) && !a.slice(paths.tmpDir.length + 1).includes('/'));
  });

  it('refuses a replica name that is not one plain path segment', () => {
    for (const bad of ['', '..', '.hidden', 'a/b', '-x', 'a b']) {
      assert.throws(() => storePaths('/data', bad), /is not a plain file name/, JSON.stringify(bad));
    }
  });
});
