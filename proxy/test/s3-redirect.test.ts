// A project on object storage that sends warm blob GETs to the bucket (`redirectToStorage`): real versitygw, a real
// docker-registry upstream, skopeo as the client following the 307 to a presigned URL. Only after access control:
// a client the project refuses gets no URL. HEAD and Range stay served by the proxy; the URL is never logged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildImage, htpasswdLine, pullImage, pushImage, startContainerd, startRegistry, startVersitygw, tempDir, writeHostsToml,
  type Registry, type S3Server, type TempDir,
} from '@berth/e2e';
import { fetchAll, filesNamed, hexOf, proxyWith, sha256, stats, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

const BUCKET = 'berth-redirect';

describe('proxy: warm blob GETs redirected to object storage @real', function () {
  this.timeout(300_000);
  const client = { username: 'ci', password: 'client-pass-5d1' };
  const creds = `${client.username}:${client.password}`;
  const basic = `Basic ${Buffer.from(creds).toString('base64')}`;
  let upstream: Registry;
  let s3: S3Server;
  let secrets: TempDir;
  let cache: ProxyUnderTest;
  let image: Handmade;
  let layers: Buffer[];
  /** The bucket under another host name than the proxy's (as in a cluster): clients drop their proxy credentials on the redirect. */
  let storageEndpoint: string;
  /** Blob GETs answered with a redirect so far (the proxy's own metrics). */
  const redirects = async () => {
    const metrics = await (await fetch(`${cache.proxy.url}/metrics`)).text();
    const lines = metrics.split('\n').filter((l) => l.startsWith('berth_requests_total{') && l.includes('code="307"'));
    return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  const blobUrl = (digest: string) => `${cache.proxy.url}/v2/docker.io/library/app/blobs/${digest}`;

  before(async () => {
    [upstream, s3, secrets] = await Promise.all([startRegistry(), startVersitygw(), tempDir('berth-redirect')]);
    await s3.createBucket(BUCKET);
    layers = [randomBytes(3_000_000), randomBytes(200_000)];
    image = await pushHandmadeImage(upstream.url, 'library/app', 'v1', layers);
    const htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine(client.username, client.password));
    storageEndpoint = s3.endpoint.replace('127.0.0.1', 'localhost');
    cache = await proxyWith(
      [{ name: 'hub', registry: 'docker.io', upstream: upstream.url, access: { htpasswdFile }, redirectToStorage: true }],
      {
        s3: { endpoint: storageEndpoint, bucket: BUCKET, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
        log: { level: 'debug', access: true },
      },
    );
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), s3?.stop(), secrets?.remove()]);
  });

  it('skopeo pulls cold (served) and warm (redirected to the bucket), every digest checked', async () => {
    for (const round of ['cold', 'warm']) {
      const pulled = await pullImage(`${cache.proxy.host}/docker.io/library/app:v1`, { creds });
      try {
        const blobs = await pulled.blobDigests();
        for (const layer of image.layers) assert.ok(blobs.includes(layer), `${round}: layer ${layer}`);
      } finally {
        await pulled.dir.remove();
      }
    }
    // The warm pull's config and two layers.
    assert.equal(await redirects(), 3);
    // Every project redirects, so nothing would read a local copy: the downloads kept none.
    for (const layer of image.layers) assert.deepEqual(await filesNamed(cache.storage, hexOf(layer)), []);
  });

  it('containerd (ctr, hosts.toml with credentials) pulls and unpacks a warm image through the redirects', async () => {
    const [containerd, hosts, built] = await Promise.all([startContainerd(), tempDir('berth-redirect-hosts'), buildImage({ layerSizes: [1_500_000, 100_000] })]);
    try {
      await pushImage(built, `${upstream.host}/library/unpacked:v1`);
      await writeHostsToml(hosts.path, 'docker.io', [{ url: cache.proxy.url }]);
      // Warm it first: the cold pull is served, the one after is redirected.
      await containerd.pull('docker.io/library/unpacked:v1', { hostsDir: hosts.path, user: creds });
      const before = await redirects();
      await containerd.forgetImages();
      await containerd.pull('docker.io/library/unpacked:v1', { hostsDir: hosts.path, user: creds });
      // Its config and two layers.
      assert.equal(await redirects() - before, 3);
    } finally {
      await containerd.stop();
      await Promise.all([hosts.remove(), built.dispose()]);
    }
  });

  it('a redirect is a hit, to a short-lived URL of the object that gives the verified bytes', async () => {
    const before = await stats(cache.proxy.url);
    const res = await fetch(blobUrl(image.layers[0]!), { headers: { authorization: basic }, redirect: 'manual' });
    await res.body?.cancel();
    assert.equal(res.status, 307);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin, storageEndpoint);
    assert.equal(location.searchParams.get('X-Amz-Expires'), '120');
    const object = await fetchAll(location.href);
    assert.equal(object.status, 200);
    assert.equal(sha256(object.body!), image.layers[0]);
    const after = await stats(cache.proxy.url);
    assert.equal(after.hits, before.hits + 1);
    assert.equal(after.misses, before.misses);
  });

  it('HEAD and Range requests are answered by the proxy itself', async () => {
    const head = await fetch(blobUrl(image.layers[0]!), { method: 'HEAD', headers: { authorization: basic }, redirect: 'manual' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layers[0]!.byteLength));
    const ranged = await fetchAll(blobUrl(image.layers[0]!), { headers: { authorization: basic, range: 'bytes=100-199' }, redirect: 'manual' });
    assert.equal(ranged.status, 206);
    assert.deepEqual(ranged.body, layers[0]!.subarray(100, 200));
  });

  it('a client the project refuses gets no URL', async () => {
    for (const headers of [{}, { authorization: `Basic ${Buffer.from(`${client.username}:wrong`).toString('base64')}` }]) {
      const res = await fetchAll(blobUrl(image.layers[0]!), { headers, redirect: 'manual' });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('location'), null);
      assert.ok(!res.body?.toString('utf8').includes('X-Amz'), 'no signed URL in the error body');
    }
  });

  it('never logs a presigned URL', async () => {
    const log = await cache.proxy.log();
    assert.ok(log.includes('"status":307'), 'the access log has the redirects');
    assert.ok(!log.includes('X-Amz-Signature') && !log.includes('X-Amz-Credential'), 'no signature or key id in the log');
  });
});
