// Retention against a real store: a project with a small maxSize, three images pulled in turn. The least recently
// pulled image is evicted whole; a blob it shared with a kept image stays; the kept images still pull with the
// upstream stopped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pullImage, startRegistry, type Registry } from '@berth/e2e';
import { filesNamed, hexOf, proxyWith, stats, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

const MB = 1_000_000;

describe('proxy: retention by maxSize @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let oldest: Handmade;
  let middle: Handmade;
  let newest: Handmade;
  const shared = randomBytes(300_000);

  before(async () => {
    upstream = await startRegistry();
    // oldest and newest share one layer; each has a 1 MB layer of its own.
    oldest = await pushHandmadeImage(upstream.url, 'library/oldest', 'v1', [shared, randomBytes(MB)]);
    middle = await pushHandmadeImage(upstream.url, 'library/middle', 'v1', [randomBytes(MB)]);
    newest = await pushHandmadeImage(upstream.url, 'library/newest', 'v1', [shared, randomBytes(MB)]);
    // Room for two images (2.3 MB and a little), not for three (3.3 MB).
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url, retention: { maxSize: '2.6M' } }]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
  });

  const pull = async (repository: string) => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/${repository}:v1`);
    await pulled.dir.remove();
  };
  const stored = async (digest: string) => (await filesNamed(cache.storage, hexOf(digest))).length > 0;

  it('pulls of three images evict the least recently pulled one, and only it', async () => {
    for (const repository of ['oldest', 'middle', 'newest']) await pull(repository);
    // Eviction runs right after the download that took the project over its size; stats show when it is done.
    const deadline = Date.now() + 30_000;
    while ((await stats(cache.proxy.url)).bytes > 2_600_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok((await stats(cache.proxy.url)).bytes <= 2_600_000, JSON.stringify(await stats(cache.proxy.url)));
    assert.deepEqual(await Promise.all([oldest.digest, oldest.config, oldest.layers[1]!].map(stored)), [false, false, false], 'the oldest image is gone');
    assert.equal(await stored(oldest.layers[0]!), true, 'the layer it shares with the newest image stays');
    for (const image of [middle, newest]) {
      assert.deepEqual(await Promise.all([image.digest, image.config, ...image.layers].map(stored)), [true, true, ...image.layers.map(() => true)]);
    }
  });

  it('the kept images still pull whole with the upstream stopped; the evicted one does not', async () => {
    await upstream.stop();
    await pull('middle');
    await pull('newest');
    await assert.rejects(pull('oldest'));
  });
});
