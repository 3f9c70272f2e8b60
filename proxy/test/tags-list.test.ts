// tags/list through the proxy against a real docker-registry: the spec's pagination (`?n=` and `?last=`, a Link to
// the next page) walks every tag once, in order, and `last` alone skips what sorts before it. The proxy pages the
// upstream's whole list itself, so a page that ignored `last` would hand the first tags out again and again.
import assert from 'node:assert/strict';
import { startRegistry, type Registry } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, pushManifest } from './handmade.ts';

const TAGS = ['v1', 'v2', 'v3', 'v10', 'latest', '1.0'];

describe('proxy: tags/list pagination @real', function () {
  this.timeout(60_000);
  let upstream: Registry;
  let cache: ProxyUnderTest;

  before(async () => {
    upstream = await startRegistry();
    const image = await pushHandmadeImage(upstream.url, 'team/app', TAGS[0]!, [Buffer.from('a layer')]);
    const body = Buffer.from(await (await fetch(`${upstream.url}/v2/team/app/manifests/${image.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer());
    for (const tag of TAGS.slice(1)) await pushManifest(upstream.url, 'team/app', tag, body, 'application/vnd.oci.image.manifest.v1+json');
    cache = await proxyWith([{ name: 'hub', registry: 'docker.io', upstream: upstream.url }]);
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
  });

  const page = async (path: string) => {
    const response = await fetch(`${cache.proxy.url}${path}`);
    assert.equal(response.status, 200, path);
    const link = response.headers.get('link');
    return { tags: ((await response.json()) as { tags: string[] }).tags, next: link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined };
  };

  it('following the Link of each page of two gives every tag once, in lexical order', async () => {
    const seen: string[][] = [];
    let path: string | undefined = '/v2/docker.io/team/app/tags/list?n=2';
    while (path && seen.length < TAGS.length) {
      const p = await page(path);
      seen.push(p.tags);
      path = p.next;
    }
    assert.deepEqual(seen, [['1.0', 'latest'], ['v1', 'v10'], ['v2', 'v3']]);
    assert.equal(path, undefined, 'the last page has no Link');
  });

  it('last alone gives every tag that sorts after it', async () => {
    assert.deepEqual((await page('/v2/docker.io/team/app/tags/list?last=v10')).tags, ['v2', 'v3']);
  });

  it('without n or last, the whole list', async () => {
    assert.deepEqual((await page('/v2/docker.io/team/app/tags/list')).tags, [...TAGS].sort());
  });
});
