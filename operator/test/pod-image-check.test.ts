// checkUpstream against a real cache: Berth's proxy (from the sources) in front of Debian's docker-registry, with
// images pushed by skopeo. The webhook's checker asks the proxy exactly as it asks a project's Service.
import assert from 'node:assert/strict';
import { buildImage, buildMultiArchImage, freePort, pushImage, startProxy, startRegistry, tempDir, type Registry, type RunningProxy, type TempDir, type TestImage } from '@berth/e2e';
import { parseImageReference } from '../src/webhook/image-reference.ts';
import { UpstreamChecker } from '../src/webhook/upstream-check.ts';

describe('pod image webhook: checkUpstream against a real cache @real', function () {
  this.timeout(180_000);
  let upstream: Registry;
  let proxy: RunningProxy;
  let storage: TempDir;
  let single: TestImage;
  let multi: TestImage;
  const ref = (text: string) => parseImageReference(text);

  before(async () => {
    upstream = await startRegistry();
    single = await buildImage({ layerSizes: [100_000] });
    multi = await buildMultiArchImage({ layerSizes: [100_000] });
    await pushImage(single, `${upstream.host}/org/single:v1`);
    await pushImage(multi, `${upstream.host}/org/multi:v1`);
    storage = await tempDir('berth-check');
    proxy = await startProxy({ args: ['--listen', `127.0.0.1:${await freePort()}`, '--storage', storage.path, '--upstream', `quay.io=${upstream.url}`] });
  });
  after(async () => {
    await proxy?.stop();
    await upstream?.stop();
    await storage?.remove();
    await single?.dispose();
    await multi?.dispose();
  });

  it('says yes for an image the cache can serve, by tag and by digest, and no for one it cannot, with the status', async () => {
    const checker = new UpstreamChecker();
    assert.deepEqual(await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/single:v1'), platforms: [] }), { ok: true, fresh: true });
    assert.deepEqual(await checker.check({ cacheUrl: proxy.url, ref: ref(`quay.io/org/single@${single.manifestDigest}`), platforms: [] }), { ok: true, fresh: true });
    const missing = await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/single:v9'), platforms: [] });
    assert.deepEqual(missing, { ok: false, fresh: true, message: 'the cache answered 404 for the manifest of quay.io/org/single:v9' });
  });

  it('checks platforms in an index and in a single image\'s config, naming what the image has', async () => {
    const checker = new UpstreamChecker();
    const [a, b] = multi.platforms.map((p) => `${p.platform.os}/${p.platform.architecture}`) as [string, string];
    assert.equal((await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/multi:v1'), platforms: [a, b] })).ok, true);
    const s390 = await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/multi:v1'), platforms: ['linux/s390x'] });
    assert.deepEqual(s390, { ok: false, fresh: true, message: `quay.io/org/multi:v1 has no linux/s390x image (it has ${a}, ${b})` });
    const own = `${single.platforms[0]!.platform.os}/${single.platforms[0]!.platform.architecture}`;
    assert.equal((await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/single:v1'), platforms: [own] })).ok, true);
    assert.equal((await checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/single:v1'), platforms: ['windows/amd64'] })).ok, false);
  });

  it('asks once for concurrent and repeated questions about one image, and again after the answer expires', async () => {
    let requests = 0;
    let clock = 0;
    const counting: typeof fetch = (input, init) => { requests++; return fetch(input, init); };
    const checker = new UpstreamChecker({ fetch: counting, okTtlMs: 1_000, now: () => clock });
    const ask = () => checker.check({ cacheUrl: proxy.url, ref: ref('quay.io/org/single:v1'), platforms: [] });
    const answers = await Promise.all([ask(), ask(), ask(), ask()]);
    assert.deepEqual(answers.map((a) => a.ok), [true, true, true, true]);
    assert.deepEqual(answers.map((a) => a.fresh).sort(), [false, false, false, true]);
    await ask();
    assert.equal(requests, 1);
    clock = 1_001;
    assert.equal((await ask()).fresh, true);
    assert.equal(requests, 2);
  });

  it('says no, in time, when the cache does not answer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const answer = await new UpstreamChecker({ timeoutMs: 500 }).check({ cacheUrl: closed, ref: ref('quay.io/org/single:v1'), platforms: [] });
    assert.equal(answer.ok, false);
    assert.match((answer as { message: string }).message, /^the cache could not be asked about quay\.io\/org\/single:v1: /);
  });
});
