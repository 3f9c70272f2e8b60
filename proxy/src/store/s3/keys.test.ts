import assert from 'node:assert/strict';
import { sha256Of, type Digest } from '../../oci/digest.ts';
import { bucketKeys } from './keys.ts';

describe('S3 bucket keys', () => {
  const digest = sha256Of(Buffer.from('layer'));
  const hex = digest.slice('sha256:'.length);

  for (const [prefix, root] of [['', 'v1/'], ['berth', 'berth/v1/'], ['berth/', 'berth/v1/'], ['a/b/', 'a/b/v1/']] as const) {
    it(`puts blobs under ${root}blobs/<algorithm>/<two hex>/<hex> for prefix ${JSON.stringify(prefix)}`, () => {
      const keys = bucketKeys(prefix, 'proxy-0');
      assert.equal(keys.root, root);
      assert.equal(keys.blob(digest), `${root}blobs/sha256/${hex.slice(0, 2)}/${hex}`);
      assert.equal(keys.digestOf(keys.blob(digest)), digest);
    });
  }

  it('files upload notes under the process that started them, apart from the blobs', () => {
    const a = bucketKeys('berth/', 'proxy-a');
    const b = bucketKeys('berth/', 'proxy-b');
    const note = a.newUploadNote();
    assert.ok(note.startsWith(`berth/v1/uploads/${a.instance}/`), note);
    assert.ok(a.instance.startsWith('proxy-a/'), a.instance);
    assert.equal(a.instanceOfNote(note), a.instance);
    assert.equal(b.instanceOfNote(note), a.instance);
    assert.ok(note.startsWith(b.uploadsPrefix));
    assert.notEqual(a.newUploadNote(), note);
    assert.equal(a.digestOf(note), undefined);
    assert.equal(a.heartbeat(a.instance), `berth/v1/instances/${a.instance}`);
  });

  it('gives two starts of one replica name their own notes', () => {
    const first = bucketKeys('', 'host');
    const second = bucketKeys('', 'host');
    assert.notEqual(first.instance, second.instance);
    assert.equal(second.instanceOfNote(first.newUploadNote()), first.instance);
    assert.equal(first.legacyUploadsPrefix, 'v1/uploads/host/');
    // A note of a proxy before per-start ids is not any instance's.
    assert.equal(first.instanceOfNote('v1/uploads/host/0b4f6c1e-6a0f-4e0c-9d0e-2f5f3b8a9c11'), undefined);
  });

  it('reads a digest only from a well-formed blob key', () => {
    const keys = bucketKeys('', 'proxy-0');
    for (const key of [
      `v1/blobs/sha256/${hex}`,
      `v1/blobs/sha256/zz/${hex}`,
      `v1/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`,
      `v1/blobs/md5/${hex.slice(0, 2)}/${hex}`,
      `other/v1/blobs/sha256/${hex.slice(0, 2)}/${hex}`,
    ]) {
      assert.equal(keys.digestOf(key), undefined, key);
    }
    const sha512 = `sha512:${'ab'.repeat(64)}` as Digest;
    assert.equal(keys.digestOf(keys.blob(sha512)), sha512);
  });

  it('refuses a replica name that is not one plain segment', () => {
    for (const replica of ['', '../x', 'a/b', '.hidden']) {
      assert.throws(() => bucketKeys('', replica), /not a plain key segment/, replica);
    }
  });
});
