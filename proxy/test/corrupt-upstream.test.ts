// An upstream that serves bytes that do not match their digest (the blob's data file overwritten in the
// registry's own storage, same size): the client gets an error, the proxy stores nothing, and once the upstream
// is healthy again the next pull succeeds.
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { buildImage, pullImage, pushImage, startRegistry, type Registry, type TestImage } from '@berth/e2e';
import { fetchAll, filesNamed, hexOf, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';

describe('proxy: corrupted upstream bytes @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let image: TestImage;
  let cache: ProxyUnderTest;
  let layer: string;

  before(async () => {
    [upstream, image] = await Promise.all([startRegistry(), buildImage({ layerSizes: [5_000_000] })]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    layer = image.layerDigests[0]!;
    const dataFile = upstream.blobDataPath(layer);
    const size = (await readFile(dataFile)).length;
    await writeFile(dataFile, randomBytes(size));
    cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose()]);
  });

  it('a client asking for the blob gets an error, never a clean answer with wrong bytes', async () => {
    const r = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/app/blobs/${layer}`);
    const failed = r.status >= 400 || r.bodyError !== undefined || r.body === undefined;
    assert.ok(failed, `status ${r.status}, ${r.body?.length} bytes, sha ${r.body ? sha256(r.body) : '-'}`);
  });

  it('skopeo pulling the image fails', async () => {
    await assert.rejects(pullImage(`${cache.proxy.host}/docker.io/library/app:v1`));
  });

  it('nothing of the corrupted blob is kept in the store', async () => {
    assert.deepEqual(await filesNamed(cache.storage, hexOf(layer)), []);
  });

  it('once the upstream serves the right bytes again, the next pull succeeds', async () => {
    await copyFile(join(image.layoutDir, 'blobs', 'sha256', hexOf(layer)), upstream.blobDataPath(layer));
    const r = await fetchAll(`${cache.proxy.url}/v2/docker.io/library/app/blobs/${layer}`);
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body!), layer);
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`);
    await pulled.dir.remove();
  });
});
