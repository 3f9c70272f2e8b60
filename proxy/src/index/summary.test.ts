import assert from 'node:assert/strict';
import type { ProxyStats } from '@berth/contracts/stats';
import type { Digest } from '../oci/digest.ts';
import { Catalog, type CatalogArtifact } from './catalog.ts';
import { IndexSummaries, summarize } from './summary.ts';
import { NO_OBSERVER } from '../cache/observer.ts';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const counts = { artifacts: 0, bytes: 0, hits: 0, misses: 0, upstreamDeleted: 0, lastUpstreamError: null };

async function catalogOf(setUp: (c: Catalog) => Promise<void>): Promise<Catalog> {
  const catalog = Catalog.inMemory();
  await setUp(catalog);
  return catalog;
}

describe('index summary', () => {
  it('counts repositories and images kept (marked manifests, or tags marked deleted upstream), and sizes repositories by their manifests and referenced blobs once each', async () => {
    const catalog = await catalogOf(async (c) => {
      await c.setBlob('hub', d('a'), { size: 1000, lastPulled: 0 });
      await c.setBlob('hub', d('b'), { size: 50, lastPulled: 0 });
      // two tags of one repository share layer a: counted once for it
      await c.setManifest('hub', 'library/big', d('1'), { mediaType: 'm', size: 10, references: [d('a'), d('b')], lastPulled: 0 });
      await c.setManifest('hub', 'library/big', d('2'), { mediaType: 'm', size: 10, references: [d('a')], lastPulled: 0, upstreamDeleted: true });
      await c.setManifest('hub', 'library/small', d('3'), { mediaType: 'm', size: 5, references: [d('b')], lastPulled: 0 });
      await c.setManifest('ghcr', 'org/app', d('4'), { mediaType: 'm', size: 7, references: [], lastPulled: 0, upstreamDeleted: true });
      // a tag the upstream deleted, pointing at a manifest not marked itself (pulled by tag, then by digest from the cache)
      await c.setManifest('hub', 'library/small', d('5'), { mediaType: 'm', size: 5, references: [], lastPulled: 0 });
      await c.setTag('hub', 'library/small', 'old', { digest: d('5'), checkedAt: 0, upstreamDeleted: true });
      // and one pointing at the manifest marked already: the same image, counted once
      await c.setTag('hub', 'library/big', 'v2', { digest: d('2'), checkedAt: 0, upstreamDeleted: true });
      await c.setTag('hub', 'library/big', 'v1', { digest: d('1'), checkedAt: 0 });
    });
    const { total, projects } = await summarize(catalog.records(), 1, 'T');
    assert.deepEqual(projects.get('hub'), { repositories: 2, keptAfterUpstreamDelete: 2, topRepositories: [{ name: 'library/big', bytes: 1070 }], time: 'T' });
    assert.deepEqual(projects.get('ghcr'), { repositories: 1, keptAfterUpstreamDelete: 1, topRepositories: [{ name: 'org/app', bytes: 7 }], time: 'T' });
    assert.deepEqual(total, { repositories: 3, keptAfterUpstreamDelete: 3, topRepositories: [{ name: 'hub/library/big', bytes: 1070 }], time: 'T' });
  });

  it('serves the last summary at once and reads the index again only when it is old', async () => {
    let now = 0;
    let reads = 0;
    const records: CatalogArtifact[] = [];
    const summaries = new IndexSummaries({
      records: async function* () { reads++; yield* records; }, minAgeMs: 10, maxAgeMs: 1000, now: () => now, onError: (err) => assert.fail(err),
    });
    const stats: ProxyStats = { ...counts, projects: { hub: counts } };
    assert.deepEqual(summaries.addTo(stats), stats, 'nothing read yet: the stats as they are');
    await summaries.idle();
    records.push({ key: 'k', kind: 'manifest', project: 'hub', repo: 'app', digest: d('1'), record: { mediaType: 'm', size: 3, references: [], lastPulled: 0 } });
    now = 999;
    assert.equal(summaries.addTo(stats).projects.hub?.index?.repositories, 0, 'the summary read before the manifest came');
    now = 1000;
    summaries.addTo(stats);
    await summaries.idle();
    const fresh = summaries.addTo(stats);
    assert.equal(fresh.projects.hub?.index?.repositories, 1);
    assert.equal(fresh.index?.repositories, 1);
    assert.equal(reads, 2, "one read at the first request, one when old");
  });

  it('reads again sooner after the cache stored, evicted or found a delete', async () => {
    let now = 0;
    let reads = 0;
    const summaries = new IndexSummaries({ records: async function* () { reads++; yield* []; }, minAgeMs: 10, maxAgeMs: 1000, now: () => now, onError: (err) => assert.fail(err) });
    const stats: ProxyStats = { ...counts, projects: {} };
    await summaries.refresh();
    const observer = summaries.observing(NO_OBSERVER);
    for (const change of [() => observer.stored('hub', 1), () => observer.evicted('hub', 1), () => observer.upstreamDeleted('hub')]) {
      const before = reads;
      now += 10;
      summaries.addTo(stats);
      await summaries.idle();
      assert.equal(reads, before, 'no change: not read again before maxAgeMs');
      change();
      summaries.addTo(stats);
      await summaries.idle();
      assert.equal(reads, before + 1, 'read again after a change');
    }
  });
});
