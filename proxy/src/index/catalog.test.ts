import assert from 'node:assert/strict';
import type { Digest } from '../oci/digest.ts';
import { Catalog } from './catalog.ts';
import { blobKey, manifestKey } from './keys.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const M1 = digest('1');
const M2 = digest('2');
const B = digest('b');

describe('Catalog (in memory)', () => {
  let catalog: Catalog;
  beforeEach(async () => {
    catalog = Catalog.inMemory();
    await catalog.setManifest('hub', 'library/app', M1, { mediaType: 'x', size: 1, references: [B], lastPulled: 10 });
    await catalog.setManifest('hub', 'library/app', M2, { mediaType: 'x', size: 1, references: [], lastPulled: 10 });
    await catalog.setBlob('hub', B, { size: 5, lastPulled: 10 });
    await catalog.setTag('hub', 'library/app', 'v1', { digest: M1, checkedAt: 1 });
    await catalog.setTag('hub', 'library/app', 'v2', { digest: M2, checkedAt: 1 });
    await catalog.setTag('other', 'library/app', 'v1', { digest: M1, checkedAt: 1 });
  });

  it('lists every manifest and blob record with the parts of its key, and nothing else', async () => {
    const seen = [];
    for await (const a of catalog.artifacts()) seen.push([a.kind, a.project, a.kind === 'manifest' ? a.repo : '-', a.digest, a.key]);
    assert.deepEqual(seen.sort(), [
      ['blob', 'hub', '-', B, blobKey('hub', B)],
      ['manifest', 'hub', 'library/app', M1, manifestKey('hub', 'library/app', M1)],
      ['manifest', 'hub', 'library/app', M2, manifestKey('hub', 'library/app', M2)],
    ].sort());
  });

  it('deleteTagsOf removes the tags of the evicted manifests of that project only', async () => {
    assert.equal(await catalog.deleteTagsOf([manifestKey('hub', 'library/app', M1)]), 1);
    assert.equal(await catalog.getTag('hub', 'library/app', 'v1'), undefined);
    assert.ok(await catalog.getTag('hub', 'library/app', 'v2'));
    assert.ok(await catalog.getTag('other', 'library/app', 'v1'), 'another project\'s tag of the same digest stays');
  });

  it('touch moves a last-pulled time forward only', async () => {
    await catalog.touch(blobKey('hub', B), 20);
    await catalog.touch(blobKey('hub', B), 15);
    assert.equal((await catalog.getBlob('hub', B))?.lastPulled, 20);
    await catalog.touch(blobKey('hub', digest('9')), 30);
    assert.equal(await catalog.getBlob('hub', digest('9')), undefined, 'touch creates nothing');
  });

  it('keeps a repository\'s tag list per project', async () => {
    await catalog.setTagList('hub', 'library/app', ['v1', 'v2']);
    assert.deepEqual(await catalog.getTagList('hub', 'library/app'), ['v1', 'v2']);
    assert.equal(await catalog.getTagList('other', 'library/app'), undefined);
  });
});
