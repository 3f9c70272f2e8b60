import assert from 'node:assert/strict';
import { Catalog } from '../index/catalog.ts';
import { blobKey, manifestKey } from '../index/keys.ts';
import type { Digest } from '../oci/digest.ts';
import { UsageIndex, type Artifact } from './usage.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const A = digest('a');
const B = digest('b');
const M = digest('c');

const blob = (project: string, d: Digest, size: number, lastPulled: number): Artifact =>
  ({ key: blobKey(project, d), kind: 'blob', project, digest: d, size, references: [], lastPulled });
const manifest = (project: string, d: Digest, references: Digest[], lastPulled: number): Artifact =>
  ({ key: manifestKey(project, 'library/app', d), kind: 'manifest', project, digest: d, size: 10, references, lastPulled });

describe('UsageIndex', () => {
  it('orders a project\'s artifacts by last pull; a touch moves one to the end', () => {
    const usage = new UsageIndex();
    usage.add(blob('hub', A, 1, 1));
    usage.add(blob('hub', B, 2, 2));
    usage.touch(blobKey('hub', A), 3);
    assert.deepEqual([...usage.oldestFirst('hub')].map((a) => a.digest), [B, A]);
    assert.equal(usage.get(blobKey('hub', A))?.lastPulled, 3);
  });

  it('counts bytes and artifacts per project; add says whether the artifact was new', () => {
    const usage = new UsageIndex();
    assert.equal(usage.add(blob('hub', A, 100, 1)), true);
    assert.equal(usage.add(blob('hub', A, 100, 2)), false);
    usage.add(blob('other', A, 100, 1));
    assert.deepEqual([usage.bytes('hub'), usage.count('hub'), usage.bytes('other')], [100, 1, 100]);
    assert.deepEqual(usage.projects().sort(), ['hub', 'other']);
  });

  it('tracks references of kept manifests per project, and owners of a file across projects', () => {
    const usage = new UsageIndex();
    usage.add(manifest('hub', M, [A, A, B], 1));
    usage.add(blob('hub', A, 1, 1));
    usage.add(blob('other', A, 1, 1));
    assert.equal(usage.referenceCount('hub', A), 2);
    assert.ok(usage.isReferenced('hub', B));
    assert.ok(!usage.isReferenced('other', A));
    usage.remove(manifestKey('hub', 'library/app', M));
    assert.ok(!usage.isReferenced('hub', A));
    usage.remove(blobKey('hub', A));
    assert.ok(usage.hasOwners(A), 'the other project still needs the file');
    usage.remove(blobKey('other', A));
    assert.ok(!usage.hasOwners(A));
  });

  it('hands over what was touched once, for one batched write', () => {
    const usage = new UsageIndex();
    usage.add(blob('hub', A, 1, 1));
    usage.touch(blobKey('hub', A), 5);
    usage.touch(blobKey('hub', digest('f')), 5);
    assert.deepEqual(usage.takeDirty().map((a) => [a.digest, a.lastPulled]), [[A, 5]]);
    assert.deepEqual(usage.takeDirty(), []);
  });

  it('adopts what another replica stored: pulled now, written with the next batch, no listener told', () => {
    const usage = new UsageIndex();
    const heard: string[] = [];
    usage.onAdd((p) => heard.push(p));
    usage.add(blob('hub', A, 1, 1), { quiet: true });
    usage.adopt(blob('hub', A, 1, 9));
    usage.adopt(blob('hub', B, 2, 7));
    assert.deepEqual(usage.takeDirty().map((a) => [a.digest, a.lastPulled]), [[B, 7]], 'one already known is left as it is');
    assert.equal(usage.bytes('hub'), 3);
    assert.deepEqual(heard, []);
  });

  it('tells listeners of new artifacts, except quiet ones', () => {
    const usage = new UsageIndex();
    const heard: string[] = [];
    usage.onAdd((p) => heard.push(p));
    usage.add(blob('hub', A, 1, 1));
    usage.add(blob('hub', B, 1, 1), { quiet: true });
    assert.deepEqual(heard, ['hub']);
  });

  it('load rebuilds the view from the catalog\'s records, oldest first, without telling listeners', async () => {
    const catalog = Catalog.inMemory();
    await catalog.setBlob('hub', A, { size: 3, lastPulled: 20 });
    await catalog.setManifest('hub', 'library/app', M, { mediaType: 'x', size: 7, references: [A], lastPulled: 10 });
    await catalog.setTag('hub', 'library/app', 'v1', { digest: M, checkedAt: 1 });
    const usage = await UsageIndex.load(catalog);
    assert.deepEqual([...usage.oldestFirst('hub')].map((a) => a.digest), [M, A]);
    assert.equal(usage.bytes('hub'), 10);
    assert.ok(usage.isReferenced('hub', A));
  });
});
