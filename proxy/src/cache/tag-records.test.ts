import assert from 'node:assert/strict';
import { Catalog } from '../index/catalog.ts';
import type { Digest } from '../oci/digest.ts';
import { TagRecords } from './tag-records.ts';

const D = `sha256:${'1'.repeat(64)}` as Digest;

describe('TagRecords', () => {
  it('writes through to the catalog, and reads a record another instance wrote', async () => {
    const catalog = Catalog.inMemory();
    await new TagRecords(catalog).set('hub', 'library/app', 'v1', { digest: D, checkedAt: 5 });
    assert.deepEqual(await catalog.getTag('hub', 'library/app', 'v1'), { digest: D, checkedAt: 5 });
    assert.deepEqual(await new TagRecords(catalog).get('hub', 'library/app', 'v1'), { digest: D, checkedAt: 5 });
  });

  it('serves a record it holds without reading the catalog again', async () => {
    const catalog = Catalog.inMemory();
    const records = new TagRecords(catalog);
    await records.set('hub', 'library/app', 'v1', { digest: D, checkedAt: 5 });
    await catalog.deleteTag('hub', 'library/app', 'v1');
    assert.deepEqual(await records.get('hub', 'library/app', 'v1'), { digest: D, checkedAt: 5 });
  });

  it('forgets a tag in memory and in the catalog', async () => {
    const catalog = Catalog.inMemory();
    const records = new TagRecords(catalog);
    await records.set('hub', 'library/app', 'v1', { digest: D, checkedAt: 5 });
    await records.set('hub', 'library/app', 'v1', undefined);
    assert.equal(await records.get('hub', 'library/app', 'v1'), undefined);
    assert.equal(await catalog.getTag('hub', 'library/app', 'v1'), undefined);
  });

  it('keeps projects and repositories apart', async () => {
    const records = new TagRecords(Catalog.inMemory());
    await records.set('hub', 'library/app', 'v1', { digest: D, checkedAt: 5 });
    assert.equal(await records.get('other', 'library/app', 'v1'), undefined);
    assert.equal(await records.get('hub', 'library/app2', 'v1'), undefined);
  });
});
