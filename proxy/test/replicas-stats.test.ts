// Two proxy replicas sharing a bucket (versitygw) and a Redis index (redis-server): `/_berth/stats` on either gives
// the whole cache's stored `artifacts` and `bytes`, read from the shared index — also on the replica that stored
// nothing itself — so the operator's status, read from one pod, does not depend on which pod answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pullImage, startRedis, startRegistry, startVersitygw, waitFor, type Redis, type Registry, type S3Server } from '@berth/e2e';
import { proxyWith, stats, type ProjectSpec, type ProxyPlacement, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage } from './handmade.ts';

const BUCKET = 'berth-replica-stats';

describe('proxy: replicas on one Redis index report the whole cache\'s stored counts @real', function () {
  this.timeout(300_000);
  let upstream: Registry;
  let s3: S3Server;
  let redis: Redis;
  let replicas: ProxyUnderTest[] = [];
  const projects = (): ProjectSpec[] => [{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }];
  const placement = (): ProxyPlacement => ({
    s3: { endpoint: s3.endpoint, bucket: BUCKET, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
    redis: redis.url,
  });

  before(async () => {
    [upstream, s3, redis] = await Promise.all([startRegistry(), startVersitygw(), startRedis()]);
    await s3.createBucket(BUCKET);
    replicas = await Promise.all([0, 1].map(() => proxyWith(projects(), placement())));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.dispose().catch(() => undefined)));
    await Promise.all([upstream?.stop(), s3?.stop(), redis?.stop()]);
  });

  it('a pull through replica A shows in replica B\'s stats, the same figures on both', async () => {
    const [a, b] = replicas as [ProxyUnderTest, ProxyUnderTest];
    const layers = [randomBytes(2_000_000), randomBytes(300_000)];
    const image = await pushHandmadeImage(upstream.url, 'library/app', 'v1', layers);
    const pulled = await pullImage(`${a.proxy.host}/docker.io/library/app:v1`);
    await pulled.dir.remove();

    const layerBytes = layers.reduce((n, l) => n + l.length, 0);
    // The image manifest, its config and its layers: stored once, by A.
    const stored = 2 + image.layers.length;
    const seenByB = await waitFor(async () => {
      const s = (await stats(b.proxy.url)).projects['docker-hub'];
      return s && s.artifacts >= stored ? s : undefined;
    }, { what: "A's pull in B's stats", timeoutMs: 30_000 });
    const [statsA, statsB] = await Promise.all([stats(a.proxy.url), stats(b.proxy.url)]);
    assert.equal(statsA.stored, 'cache');
    assert.equal(statsB.stored, 'cache');
    assert.equal(seenByB.artifacts, stored, 'B, which stored nothing, counts what A stored');
    assert.ok(seenByB.bytes >= layerBytes, `B counts the layers' bytes (${seenByB.bytes} >= ${layerBytes})`);
    for (const field of ['artifacts', 'bytes'] as const) {
      assert.equal(statsB.projects['docker-hub']![field], statsA.projects['docker-hub']![field], `${field}: the same on both replicas`);
      assert.equal(statsB[field], statsA[field], `total ${field}: the same on both replicas`);
    }
    // B served nothing: its hits and misses are its own, not the cache's.
    assert.equal(statsB.hits + statsB.misses, 0);
  });
});
