// Property-based fuzzing of the proxy's HTTP front with a real proxy process and a real docker-registry upstream:
// generated requests (fuzz-requests.ts) on raw sockets. Properties: the process never exits, every answer is one
// well-formed HTTP/1.1 response, a 4xx body carries only codes of the OCI spec's list, no answer is a bare 500, and
// no file outside the store is read (canary files, named by the generated requests, keep their access time and
// their bytes appear in no answer).
// A seeded sample runs with the other tests; the dedicated run:
//   BERTH_FUZZ_RUNS=100000 BERTH_FUZZ_BATCH=64 ./dev pnpm exec mocha proxy/test/fuzz.test.ts   (BERTH_FUZZ_SEED: another sample)
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { stat, utimes, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import { proxyWith, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage } from './handmade.ts';
import { rawRequest, specViolation } from './raw-http.ts';
import { requestHead, requests, type FuzzWorld } from './fuzz-requests.ts';

const RUNS = Number(process.env.BERTH_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 13);
/** Requests sent at once (BERTH_FUZZ_BATCH): each property run is a batch, so slow upstream answers do not serialise the run. */
const BATCH = Number(process.env.BERTH_FUZZ_BATCH ?? 8);

describe(`proxy: ${RUNS} fuzzed requests (seed ${SEED}) @real`, function () {
  this.timeout(120_000 + RUNS * 20);
  let upstream: Registry;
  let cache: ProxyUnderTest;
  let auth: TempDir;
  let world: FuzzWorld;
  const canaryBytes = `berth-fuzz-canary-${randomBytes(8).toString('hex')}`;
  const canaryFiles: string[] = [];
  const OLD = new Date('2001-01-01T00:00:00Z');

  before(async () => {
    upstream = await startRegistry();
    const image = await pushHandmadeImage(upstream.url, 'library/app', 'v1', [randomBytes(8192)]);
    await pushHandmadeImage(upstream.url, 'library/app', 'v2', [randomBytes(100)]);
    auth = await tempDir('berth-fuzz-auth');
    const htpasswd = join(auth.path, 'htpasswd');
    await writeFile(htpasswd, `alice:{SHA}${createHash('sha1').update('s3cret').digest('base64')}\n`);
    cache = await proxyWith([
      { name: 'docker-hub', registry: 'docker.io', upstream: upstream.url },
      { name: 'private', registry: 'private.test', upstream: upstream.url, access: { htpasswdFile: htpasswd } },
    ]);
    // Canaries: beside the store, in the system temp dir, and the htpasswd file itself (outside the store too).
    canaryFiles.push(join(dirname(cache.storage), 'canary'), join(tmpdir(), `berth-fuzz-canary-${process.pid}`));
    for (const file of canaryFiles) await writeFile(file, canaryBytes);
    for (const file of [...canaryFiles, htpasswd]) await utimes(file, OLD, OLD);
    const fromStore = (file: string) => relative(cache.storage, file);
    world = {
      repositories: ['library/app', 'app', 'team/app'],
      tags: ['v1', 'v2', 'latest'],
      digests: [image.digest, image.config, ...image.layers],
      registries: ['docker.io', 'private.test', 'unknown.example'],
      canaries: [...[...canaryFiles, htpasswd].flatMap((f) => [fromStore(f), f, `..${f}`, encodeURIComponent(fromStore(f))]), '../../../../etc/passwd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
      authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    };
  });
  after(async () => {
    await cache?.dispose();
    await upstream?.stop();
    await auth?.remove();
    await Promise.all(canaryFiles.map((f) => rm(f, { force: true })));
  });

  it('answers every request with one well-formed response, spec codes on 4xx, no 500, nothing outside the store read', async () => {
    const port = Number(new URL(cache.proxy.url).port);
    let exited: unknown;
    void cache.proxy.exited.then((code) => (exited = code ?? 'signal'));
    const statuses = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(requests(world), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        assert.equal(exited, undefined, 'the proxy process exited');
        await Promise.all(batch.map(async (r) => {
          const answer = await rawRequest(port, requestHead(r), { method: r.method });
          if (!answer.ok) throw new Error(`${answer.problem}: ${JSON.stringify(answer.bytes.toString('latin1').slice(0, 300))}`);
          const { status, body } = answer.response;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          assert.ok(status >= 100 && status < 600, `status ${status}`);
          assert.notEqual(status, 500, `an internal error: ${body.toString('utf8').slice(0, 300)}`);
          assert.equal(specViolation(answer.response), undefined);
          assert.ok(!body.includes(canaryBytes), 'a canary file outside the store was served');
        }));
      }),
      { numRuns: Math.ceil(RUNS / BATCH), seed: SEED, endOnFailure: true },
    );
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(sent, Math.ceil(RUNS / BATCH) * BATCH);
    const seconds = (performance.now() - started) / 1000;
    console.log(`      fuzz: ${sent} requests (${BATCH} at a time) in ${seconds.toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    assert.equal(exited, undefined, 'the proxy process exited');
    assert.equal((await fetch(`${cache.proxy.url}/healthz`)).status, 200);
    for (const file of canaryFiles) assert.equal((await stat(file)).atime.getTime(), OLD.getTime(), `${file} was read`);
  });
});
