// A redirected blob stays in the bucket while its presigned URL is valid, whichever replica runs retention: two
// replicas (in this process) sharing a real bucket (versitygw) and a real Redis index; replica A answers a blob GET
// with a presigned URL, replica B runs a shared retention pass that would evict everything. The blob is kept, and the
// URL still gives its bytes; once the URL has run out, a pass may evict it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, startVersitygw, tempDir, waitFor, type Redis, type S3Server, type TempDir } from '@berth/e2e';
import { PullThrough } from '../src/cache/pullthrough.ts';
import { Catalog } from '../src/index/catalog.ts';
import { sha256Of, type Digest } from '../src/oci/digest.ts';
import type { RepositoryName } from '../src/oci/names.ts';
import { createLogger } from '../src/observe/log.ts';
import { ProxyMetrics } from '../src/observe/metrics.ts';
import { resolveProjects } from '../src/project.ts';
import { coordinateReplicas, type ReplicaCoordination } from '../src/replicas/coordination.ts';
import { Evictor } from '../src/retention/evictor.ts';
import { UsageIndex } from '../src/retention/usage.ts';
import { storePaths } from '../src/store/paths.ts';
import { createS3Client } from '../src/store/s3/client.ts';
import { bucketKeys } from '../src/store/s3/keys.ts';
import { S3BlobStore } from '../src/store/s3/s3-store.ts';
import { fetchAll, sha256 } from './fixture.ts';

const BUCKET = 'berth-redirect-inuse';
/** Short, so that the test sees the window end; the proxy's is 120 s. */
const URL_SECONDS = 3;

describe('proxy: a redirected blob is in use while its presigned URL is valid @real', function () {
  this.timeout(120_000);
  let s3: S3Server;
  let redis: Redis;
  let work: TempDir;
  let store: S3BlobStore;
  const catalogs: Catalog[] = [];
  const replicas: ReplicaCoordination[] = [];

  before(async () => {
    [s3, redis, work] = await Promise.all([startVersitygw(), startRedis(), tempDir('berth-redirect-inuse')]);
    await s3.createBucket(BUCKET);
    const client = await createS3Client({ endpoint: s3.endpoint, bucket: BUCKET, accessKeyIdFile: s3.accessKeyIdFile, secretAccessKeyFile: s3.secretAccessKeyFile });
    store = new S3BlobStore({ client, bucket: BUCKET, keys: bucketKeys('', 'test'), local: storePaths(work.path, 'test') });
    await store.init();
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await Promise.all(catalogs.map((c) => c.close()));
    store?.close();
    await Promise.all([s3?.stop(), redis?.stop(), work?.remove()]);
  });

  async function replica(): Promise<{ catalog: Catalog; coordination: ReplicaCoordination }> {
    const catalog = await Catalog.redis(redis.url);
    catalogs.push(catalog);
    const coordination = await coordinateReplicas(redis.url, { logger: createLogger('error'), metrics: new ProxyMetrics(['hub']), catalog });
    replicas.push(coordination);
    return { catalog, coordination };
  }

  it('replica B\'s retention keeps a blob replica A redirected to, until the URL runs out', async () => {
    const [a, b] = [await replica(), await replica()];
    const [project] = resolveProjects({
      listen: '127.0.0.1:0',
      projects: [{ name: 'hub', registry: 'docker.io', upstream: 'http://127.0.0.1:9', redirectToStorage: true }],
      storage: { s3: { bucket: BUCKET } },
    });
    const bytes = randomBytes(200_000);
    const digest: Digest = sha256Of(bytes);
    const writer = await store.writer(digest, bytes.length);
    await writer.write(bytes);
    await writer.commit();
    await a.catalog.setBlob('hub', digest, { size: bytes.length, lastPulled: Date.now() });

    const usageA = await UsageIndex.load(a.catalog);
    const service = new PullThrough({ store, catalog: a.catalog, upstreams: new Map(), usage: usageA, inUse: a.coordination.inUse, presignedUrlSeconds: URL_SECONDS });
    // maxSize 1 byte: every pass evicts whatever is not in use.
    const evictorB = new Evictor({
      usage: new UsageIndex(), catalog: b.catalog, store, inUse: b.coordination.inUse, shared: b.coordination.retention,
      policies: [{ project: 'hub', unusedForMs: undefined, maxSizeBytes: 1 }],
    });

    const url = await service.locateBlob(project!, 'library/app' as RepositoryName, digest);
    assert.ok(url, 'a warm blob of a redirecting project gets a presigned URL');
    assert.equal(await evictorB.run(), 0, 'the pass evicts nothing while the URL is valid');
    assert.equal(await store.stat(digest), bytes.length);
    assert.ok(await b.catalog.getBlob('hub', digest), 'its index record is kept too');
    const object = await fetchAll(url);
    assert.equal(object.status, 200);
    assert.equal(sha256(object.body!), digest);

    // After the window the mark is gone and the same pass evicts the blob.
    await waitFor(async () => (await evictorB.run()) === 1, { what: 'the blob evicted once its URL ran out', timeoutMs: 30_000 });
    assert.equal(await store.stat(digest), undefined);
    await evictorB.stop();
  });
});
