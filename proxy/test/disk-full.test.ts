// A store on a small tmpfs that a layer does not fit in. What a user wants from a full cache is the pull anyway:
// the proxy streams the upstream's bytes to the client (verified on the way) and drops only the cache write, with a
// log line that says why. When the disk fills in the middle of a download whose size was not announced, the client's
// transfer breaks (never a clean end), the log says ENOSPC, no temp file stays, and once there is room again the
// next pull stores the layer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  exchange, mountTmpfs, pullImage, startFaultyUpstream, startRegistry, waitFor,
  type FaultyUpstream, type Registry, type Tmpfs,
} from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';
import { storedState, tempFiles } from './faults/store-check.ts';

const MiB = 1024 * 1024;
/** The store's file system, and a layer larger than all of it. */
const TMPFS_BYTES = 48 * MiB;
const LAYER_BYTES = 64 * MiB;

/** The proxy's JSON log lines whose message matches. */
async function logLines(cache: ProxyUnderTest, message: RegExp): Promise<Record<string, unknown>[]> {
  return (await cache.proxy.log()).split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return message.test(String(entry.message)) ? [entry] : [];
    } catch {
      return [];
    }
  });
}

describe('proxy: a full store @real', function () {
  this.timeout(300_000);
  let registry: Registry;
  let faulty: FaultyUpstream;
  let tmpfs: Tmpfs;
  let cache: ProxyUnderTest;
  let image: Handmade;

  before(async () => {
    [registry, tmpfs] = await Promise.all([startRegistry(), mountTmpfs(TMPFS_BYTES)]);
    faulty = await startFaultyUpstream(registry.url);
    image = await pushHandmadeImage(registry.url, 'library/big', 'v1', [randomBytes(LAYER_BYTES)]);
    cache = await proxyWith([{ name: 'hub', registry: 'docker.io', upstream: faulty.url }], { storage: tmpfs.path });
  });
  after(async () => {
    await cache?.dispose();
    await tmpfs?.unmount();
    await faulty?.close();
    await registry?.stop();
  });

  const layerUrl = () => `${cache.proxy.url}/v2/docker.io/library/big/blobs/${image.layers[0]}`;

  it('a pull of an image whose layer does not fit succeeds: the layer is streamed through, not stored', async () => {
    const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/big:v1`);
    try {
      assert.ok((await pulled.blobDigests()).includes(image.layers[0]!), 'skopeo got the layer (it checks every digest)');
    } finally {
      await pulled.dir.remove();
    }
    assert.equal(await storedState(tmpfs.path, image.layers[0]!), 'no');
    assert.equal(await storedState(tmpfs.path, image.digest), 'yes', 'the manifest fits, and is cached');
    assert.deepEqual(await tempFiles(tmpfs.path), []);
  });

  it('says why in the log: the store is full (ENOSPC), with the digest', async () => {
    const lines = await logLines(cache, /^store full: serving a blob without caching it$/);
    assert.ok(lines.some((l) => l.digest === image.layers[0] && /ENOSPC/.test(String(l.cause))), JSON.stringify(lines));
  });

  it('a download of unannounced size that fills the disk: a broken transfer, ENOSPC in the log, no temp file', async () => {
    faulty.inject({ kind: 'blob', method: 'GET', fault: { kind: 'no-length' } });
    const answer = await exchange(layerUrl());
    faulty.clear();
    assert.equal(answer.status, 200);
    assert.ok(answer.error, 'the transfer broke: the client cannot take it for a whole layer');
    assert.ok(answer.body.byteLength < LAYER_BYTES);
    await waitFor(async () => (await tempFiles(tmpfs.path)).length === 0, { what: 'the temp file to be removed', timeoutMs: 10_000 });
    // The client may see the break a moment before the download's failure is logged.
    const dropped = async () => (await logLines(cache, /^store full: a blob download was dropped$/)).some((l) => l.digest === image.layers[0] && /ENOSPC/.test(String(l.cause)));
    await waitFor(dropped, { what: 'the log line: store full (ENOSPC), with the digest', timeoutMs: 10_000 });
    assert.equal(await storedState(tmpfs.path, image.layers[0]!), 'no');
  });

  it('while the store stays full, every pull of the layer gets it whole: no error at all, so none to leak a path or errno', async () => {
    const answer = await exchange(layerUrl());
    assert.equal(answer.status, 200);
    assert.equal(answer.error, undefined);
    assert.equal(answer.body.byteLength, LAYER_BYTES);
  });

  it('with not a byte free, a new image still pulls (its manifest and blobs served uncached)', async () => {
    const small = await pushHandmadeImage(registry.url, 'library/small', 'v1', [randomBytes(100_000)]);
    const filler = join(tmpfs.path, 'filler');
    await writeFile(filler, Buffer.alloc(TMPFS_BYTES)).then(() => assert.fail('the filler should not fit'), (err: NodeJS.ErrnoException) => assert.equal(err.code, 'ENOSPC'));
    try {
      const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/small:v1`);
      await pulled.dir.remove();
      for (const digest of [small.digest, ...small.layers]) assert.equal(await storedState(tmpfs.path, digest), 'no');
      assert.ok((await logLines(cache, /^store full: serving a manifest without caching it$/)).some((l) => l.digest === small.digest));
    } finally {
      await rm(filler);
    }
  });

  it('once there is room again, the next pull stores the layer', async () => {
    await tmpfs.resize(4 * LAYER_BYTES);
    const answer = await exchange(layerUrl());
    assert.equal(answer.status, 200);
    assert.equal(answer.error, undefined);
    assert.equal(await storedState(tmpfs.path, image.layers[0]!), 'yes');
  });
});
