// Three proxy replicas sharing one bucket (versitygw) and one index (redis-server), in front of a real docker-registry
// whose requests are counted: concurrent cold pulls spread over the replicas fetch each blob and each manifest by
// digest from the upstream once (fill leases in Redis); a replica killed mid-fill is taken over by another, and no
// client gets unverified bytes, nothing corrupt lands in the bucket; retention keeps maxSize for the cache as a
// whole and never evicts a blob another replica is serving.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  pullImage, startFaultyUpstream, startRedis, startRegistry, startVersitygw, waitFor,
  type FaultyUpstream, type Redis, type Registry, type S3Server,
} from '@berth/e2e';
import { connectRedis, type RedisClient } from '../src/replicas/redis.ts';
import { fetchAll, hexOf, proxyWith, sha256, type ProjectSpec, type ProxyPlacement, type ProxyUnderTest } from './fixture.ts';
import { pushBlob, pushHandmadeImage, pushManifest, type Handmade } from './handmade.ts';

const MB = 1_000_000;
const BUCKET = 'berth-replicas';
const INDEX = 'application/vnd.oci.image.index.v1+json';

/** Peak resident memory of a process (VmHWM), in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

describe('proxy: three replicas, one bucket, one Redis index: one upstream fetch @real', function () {
  this.timeout(600_000);
  let upstream: Registry;
  let faulty: FaultyUpstream;
  let s3: S3Server;
  let redis: Redis;
  let replicas: ProxyUnderTest[] = [];
  const projects = (): ProjectSpec[] => [
    { name: 'docker-hub', registry: 'docker.io', upstream: faulty.url },
    { name: 'kept', registry: 'kept.test', upstream: upstream.url, retention: { maxSize: '100M' } },
  ];
  /** The bucket key of a blob. */
  const objectKey = (digest: string) => `cache/v1/blobs/sha256/${hexOf(digest).slice(0, 2)}/${hexOf(digest)}`;
  const placement = (): ProxyPlacement => ({
    s3: { endpoint: s3.endpoint, bucket: BUCKET, prefix: 'cache/', accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile },
    redis: redis.url,
    log: { level: 'info' },
  });
  /** Upstream requests of one method and path, as the registry served them, from the `since`-th on. */
  const upstreamCount = async (method: string, path: string, since = 0) =>
    (await upstream.accessLog()).slice(since).filter((e) => e.method === method && e.path === path).length;
  const upstreamGets = (path: string, since = 0) => upstreamCount('GET', path, since);

  before(async () => {
    [upstream, s3, redis] = await Promise.all([startRegistry(), startVersitygw(), startRedis()]);
    await s3.createBucket(BUCKET);
    faulty = await startFaultyUpstream(upstream.url);
    replicas = await Promise.all([0, 1, 2].map(() => proxyWith(projects(), placement())));
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.dispose().catch(() => undefined)));
    await faulty?.close();
    await Promise.all([upstream?.stop(), s3?.stop(), redis?.stop()]);
  });

  it('30 concurrent cold pulls over 3 replicas: 1 upstream GET per blob and per manifest by digest', async () => {
    // An index (by tag) with one linux/amd64 image: clients fetch the tag, then the image manifest by digest.
    const layers = [randomBytes(16 * MB), randomBytes(4 * MB), randomBytes(300_000)];
    const image = await pushHandmadeImage(upstream.url, 'library/fleet', 'amd64-only', layers);
    const imageManifest = Buffer.from(await (await fetch(`${upstream.url}/v2/library/fleet/manifests/${image.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer());
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: INDEX,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: imageManifest.byteLength, platform: { architecture: 'amd64', os: 'linux' } }],
    }));
    const indexDigest = await pushManifest(upstream.url, 'library/fleet', 'v1', index, INDEX);
    const before = (await upstream.accessLog()).length;

    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 30 }, async (_, i) => {
      const pulled = await pullImage(`${replicas[i % 3]!.proxy.host}/docker.io/library/fleet:v1`);
      try {
        return await pulled.blobDigests();
      } finally {
        await pulled.dir.remove();
      }
    }));
    const wallMs = Date.now() - started;
    const failed = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(failed.map((r) => String((r as PromiseRejectedResult).reason).slice(0, 300)), [], 'every pull succeeds');
    for (const r of results) {
      const blobs = (r as PromiseFulfilledResult<string[]>).value;
      for (const layer of image.layers) assert.ok(blobs.includes(layer), `layer ${layer}`);
    }

    const counts: Record<string, number> = {};
    for (const digest of [indexDigest, image.digest, image.config, ...image.layers]) {
      const kind = digest === image.digest || digest === indexDigest ? 'manifests' : 'blobs';
      counts[`${kind}/${digest.slice(0, 19)}`] = await upstreamGets(`/v2/library/fleet/${kind}/${digest}`, before);
    }
    // The proxy asks for a tag with a HEAD (then fetches the digest it names, under a lease).
    const tagAsks = await upstreamCount('HEAD', '/v2/library/fleet/manifests/v1', before) + await upstreamGets('/v2/library/fleet/manifests/v1', before);
    const rss = await Promise.all(replicas.map((r) => peakRssMiB(r.proxy.process.pid!)));
    // The figures of issue 16, for the report.
    console.log(`      30 pulls over 3 replicas: ${wallMs} ms; upstream GETs ${JSON.stringify(counts)}, tag HEADs/GETs ${tagAsks}; peak RSS MiB per replica ${rss.join(', ')}; upstream requests ${(await upstream.accessLog()).length - before}`);
    for (const [path, n] of Object.entries(counts)) assert.equal(n, 1, `upstream GETs of ${path}`);
    // A tag names no content until the upstream answers: each replica asks for it itself (once, single-flight).
    assert.ok(tagAsks >= 1 && tagAsks <= 3, `tag HEADs/GETs ${tagAsks}`);
  });

  it('the filling replica killed mid-fill: another takes over and completes, no client gets wrong bytes', async () => {
    const bytes = randomBytes(48 * MB);
    const digest = await pushBlob(upstream.url, 'library/big', bytes);
    const path = `/v2/docker.io/library/big/blobs/${digest}`;
    // The first upstream GET sends half the blob, then stalls: the fill is mid-way when its replica dies.
    faulty.inject({ kind: 'blob', method: 'GET', fault: { kind: 'stall-body' }, times: 1 });
    const [filler, ...others] = replicas as [ProxyUnderTest, ProxyUnderTest, ProxyUnderTest];
    const first = await fetch(`${filler.proxy.url}${path}`);
    assert.equal(first.status, 200);
    const reader = first.body!.getReader();
    assert.ok((await reader.read()).value?.length, 'the filler streams while it downloads');
    // Two clients of each other replica: they wait on the filler's lease.
    const waiting = others.flatMap((r) => [fetchAll(`${r.proxy.url}${path}`), fetchAll(`${r.proxy.url}${path}`)]);
    await filler.proxy.stop('SIGKILL');
    const firstOutcome = await (async () => {
      const chunks: Buffer[] = [];
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return Buffer.concat(chunks);
          chunks.push(Buffer.from(value));
        }
      } catch (err) {
        return err as Error;
      }
    })();
    assert.ok(firstOutcome instanceof Error, 'the killed replica\'s client sees a broken body, not a clean end');
    faulty.clear();
    faulty.disconnect();

    const answers = await Promise.all(waiting);
    for (const a of answers) {
      if (a.status === 200 && a.body) assert.equal(sha256(a.body), digest, 'a served body is the verified blob');
      else assert.ok(a.status >= 500 || a.bodyError, `a clean error: ${a.status}`);
    }
    const served = answers.filter((a) => a.status === 200 && a.body).length;
    const logs = (await Promise.all(others.map((r) => r.proxy.log()))).join('\n');
    const takeovers = logs.split('\n').filter((l) => l.includes('took over a fill')).length;
    const blobGets = await upstreamGets(`/v2/library/big/blobs/${digest}`);
    console.log(`      kill mid-fill: ${served}/4 waiting clients served verified bytes; takeovers logged ${takeovers}; upstream GETs of the blob ${blobGets}`);
    // The killed filler's, and the one that took over.
    assert.equal(blobGets, 2);
    assert.equal(served, 4, 'the replica that took over served every waiting client');
    assert.equal(takeovers, 1, 'one replica took over');
    // What the bucket holds under the blob's key is the verified blob.
    const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: objectKey(digest) }));
    assert.equal(sha256(Buffer.from(await object.Body!.transformToByteArray())), digest);
    // The killed filler's multipart upload is all it left; restarted, it aborts it before serving.
    replicas[0] = await filler.restart();
    assert.deepEqual(await s3.listUploads(BUCKET), [], 'no upload left open');
  });

  it('shared retention: maxSize holds for the whole cache, and a blob another replica serves is not evicted', async () => {
    const [a, b, c] = replicas as [ProxyUnderTest, ProxyUnderTest, ProxyUnderTest];
    const images = [];
    // 40 MB layers: above the 16 MiB a replica holds in memory, so serving one streams it from the bucket; and more
    // than the socket buffers on both ends of a loopback connection take in, so a client that stops reading keeps
    // the stream (and its in-use mark) open.
    for (const name of ['r1', 'r2', 'r3']) images.push(await pushHandmadeImage(upstream.url, `library/${name}`, 'v1', [randomBytes(40 * MB)]));
    const [r1, r2, r3] = images as [Handmade, Handmade, Handmade];
    const pull = async (replica: ProxyUnderTest, name: string) => (await pullImage(`${replica.proxy.host}/kept.test/library/${name}:v1`)).dir.remove();
    // 80 MB of the project's 100M: A holds r1, B holds r2; neither replica alone is anywhere near maxSize.
    await pull(a, 'r1');
    await pull(b, 'r2');
    // C serves r1's layer (the least recently pulled) to a client that reads slowly.
    const slow = await fetch(`${c.proxy.url}/v2/kept.test/library/r1/blobs/${r1.layers[0]}`);
    assert.equal(slow.status, 200);
    const reader = slow.body!.getReader();
    const chunks: Buffer[] = [Buffer.from((await reader.read()).value!)];
    const redisClient: RedisClient = await connectRedis(redis.url, () => undefined);
    try {
      await waitFor(async () => Object.keys(await redisClient.hGetAll(`berth:replicas:inuse:${r1.layers[0]}`)).length > 0, { what: "C's in-use mark in Redis" });
    } finally {
      await redisClient.close();
    }
    // A third image takes the cache past 100M: a pass (whichever replica gets the lock) evicts r2, not the served r1.
    await pull(a, 'r3');
    try {
      await waitFor(async () => !(await s3.listKeys(BUCKET)).includes(objectKey(r2.layers[0]!)), { what: "r2's layer evicted", timeoutMs: 60_000 });
    } catch (err) {
      // What the replicas said about retention and Redis, for the failure's reader.
      const said = (await Promise.all(replicas.map((r) => r.proxy.log()))).join('\n').split('\n').filter((l) => /retention|Redis|lease|error/i.test(l));
      throw new Error(`${(err as Error).message}\n${said.slice(-20).join('\n')}`);
    }
    const keys = new Set(await s3.listKeys(BUCKET));
    assert.ok(keys.has(objectKey(r1.layers[0]!)), 'the layer C is serving stays');
    assert.ok(keys.has(objectKey(r3.layers[0]!)) && keys.has(objectKey(r3.digest)), 'the newest image stays');
    assert.ok(!keys.has(objectKey(r2.digest)) && !keys.has(objectKey(r2.config)), 'r2 went whole');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
    }
    assert.equal(sha256(Buffer.concat(chunks)), r1.layers[0], 'the slow client got the whole, verified layer');
    // What the project keeps in the bucket now: within its 100M.
    const kept = [r1, r2, r3].flatMap((r) => [r.digest, r.config, ...r.layers]).filter((d) => keys.has(objectKey(d)));
    let bytes = 0;
    for (const d of kept) bytes += (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: objectKey(d) }))).ContentLength ?? 0;
    assert.ok(bytes <= 100_000_000, `${bytes} bytes kept`);
    const evictions = await Promise.all(replicas.map(async (r) => {
      const metrics = await (await fetch(`${r.proxy.url}/metrics`)).text();
      return metrics.split('\n').filter((l) => l.startsWith('berth_evictions_total{project="kept"')).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    }));
    console.log(`      shared retention: ${bytes} bytes kept of 100M; evictions per replica ${evictions.join(', ')} (one pass, by whichever replica held the lock)`);
  });
});
