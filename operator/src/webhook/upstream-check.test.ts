import assert from 'node:assert/strict';
import { OCI_INDEX, OCI_MANIFEST } from '@berth/contracts/oci';
import { parseImageReference } from './image-reference.ts';
import { UpstreamChecker } from './upstream-check.ts';

const CACHE = 'http://10.96.0.12:5000/';
const BASE = 'http://10.96.0.12:5000/v2/docker.io/library/app';
const CONFIG = `sha256:${'c'.repeat(64)}`;

/** A cache that answers from a table of `METHOD url` → response, and records what it was asked. */
class FakeCache {
  readonly asked: string[] = [];
  readonly answers = new Map<string, () => Response>();
  /** Holds every answer until called. */
  gate: Promise<void> | undefined;

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${String(input)}`;
    this.asked.push(key);
    await this.gate;
    const answer = this.answers.get(key);
    return answer ? answer() : new Response(null, { status: 404 });
  }) as typeof fetch;

  json(method: string, url: string, doc: unknown): void {
    this.answers.set(`${method} ${url}`, () => Response.json(doc));
  }
}

describe('webhook: UpstreamChecker', () => {
  let cache: FakeCache;
  let now: number;
  let checker: UpstreamChecker;
  const request = (image: string, platforms: string[] = []) => ({ cacheUrl: CACHE, ref: parseImageReference(image), platforms });

  beforeEach(() => {
    cache = new FakeCache();
    now = 1_000_000;
    checker = new UpstreamChecker({ fetch: cache.fetch, now: () => now, okTtlMs: 60_000, failTtlMs: 10_000 });
  });

  it('no platforms: one HEAD of the manifest through the cache; 200 is yes', async () => {
    cache.answers.set(`HEAD ${BASE}/manifests/v1`, () => new Response(null, { status: 200 }));
    assert.deepEqual(await checker.check(request('app:v1')), { ok: true, fresh: true });
    assert.deepEqual(cache.asked, [`HEAD ${BASE}/manifests/v1`]);
  });

  it('any other status is no, with the status and the image in the message', async () => {
    const answer = await checker.check(request('app:v1'));
    assert.equal(answer.ok, false);
    assert.match(!answer.ok ? answer.message : '', /^the cache answered 404 for the manifest of docker\.io\/library\/app:v1$/);
  });

  it('remembers a yes for okTtlMs and a no for failTtlMs, and says the remembered answer is not fresh', async () => {
    cache.answers.set(`HEAD ${BASE}/manifests/v1`, () => new Response(null, { status: 200 }));
    await checker.check(request('app:v1'));
    now += 59_999;
    assert.deepEqual(await checker.check(request('app:v1')), { ok: true, fresh: false });
    now += 1;
    assert.equal((await checker.check(request('app:v1'))).fresh, true);
    assert.equal(cache.asked.length, 2);

    await checker.check(request('app:v2'));
    now += 9_999;
    assert.equal((await checker.check(request('app:v2'))).fresh, false);
    now += 1;
    assert.equal((await checker.check(request('app:v2'))).fresh, true);
    assert.equal(cache.asked.filter((a) => a.endsWith('/v2')).length, 2);
  });

  it('concurrent questions about one image share one request', async () => {
    let open!: () => void;
    cache.gate = new Promise((resolve) => (open = resolve));
    cache.answers.set(`HEAD ${BASE}/manifests/v1`, () => new Response(null, { status: 200 }));
    const answers = Promise.all([checker.check(request('app:v1')), checker.check(request('app:v1'))]);
    open();
    assert.deepEqual((await answers).map((a) => a.fresh).sort(), [false, true]);
    assert.equal(cache.asked.length, 1);
  });

  it('an index: yes when it offers every platform asked for (a variant only where both name one)', async () => {
    cache.json('GET', `${BASE}/manifests/v1`, {
      mediaType: OCI_INDEX,
      manifests: [
        { platform: { os: 'linux', architecture: 'amd64' } },
        { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    });
    assert.equal((await checker.check(request('app:v1', ['linux/amd64', 'linux/arm64']))).ok, true);
    assert.equal((await checker.check(request('app:v1', ['linux/arm64/v8']))).ok, true);
    const answer = await checker.check(request('app:v1', ['linux/arm64/v7', 'linux/s390x']));
    assert.equal(answer.ok, false);
    assert.equal(!answer.ok && answer.message, 'docker.io/library/app:v1 has no linux/arm64/v7, linux/s390x image (it has linux/amd64, linux/arm64/v8, unknown/unknown)');
  });

  it('a single-platform manifest: its platform is read from the image config blob', async () => {
    cache.json('GET', `${BASE}/manifests/v1`, { mediaType: OCI_MANIFEST, config: { digest: CONFIG } });
    cache.json('GET', `${BASE}/blobs/${CONFIG}`, { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.equal((await checker.check(request('app:v1', ['linux/arm']))).ok, true);
    const answer = await checker.check(request('app:v1', ['linux/amd64']));
    assert.equal(!answer.ok && answer.message, 'docker.io/library/app:v1 has no linux/amd64 image (it has linux/arm/v7)');
  });

  it('says which document failed: the manifest, or the image config', async () => {
    const manifest = await checker.check(request('app:v1', ['linux/amd64']));
    assert.equal(!manifest.ok && manifest.message, 'the cache answered 404 for the manifest of docker.io/library/app:v1');
    cache.json('GET', `${BASE}/manifests/v2`, { mediaType: OCI_MANIFEST, config: { digest: CONFIG } });
    const missingConfig = await checker.check(request('app:v2', ['linux/amd64']));
    assert.equal(!missingConfig.ok && missingConfig.message, 'the cache answered 404 for the image config of docker.io/library/app:v2');
  });

  it('refuses a body that is not JSON, or longer than a manifest may be, without reading it', async () => {
    cache.answers.set(`GET ${BASE}/manifests/v1`, () => new Response('<html>', { status: 200 }));
    const notJson = await checker.check(request('app:v1', ['linux/amd64']));
    assert.equal(!notJson.ok && notJson.message, 'the cache sent a body that is not JSON for the manifest of docker.io/library/app:v1');
    cache.answers.set(`GET ${BASE}/manifests/v2`, () => new Response('{}', { status: 200, headers: { 'content-length': String(5 * 1024 * 1024) } }));
    const tooLong = await checker.check(request('app:v2', ['linux/amd64']));
    assert.match(!tooLong.ok ? tooLong.message : '', /^the cache sent 5242880 bytes, more than a manifest may have/);
  });

  it('a cache that cannot be reached is a no that says why', async () => {
    const failing = new UpstreamChecker({ fetch: (async () => { throw new Error('connect ECONNREFUSED 10.96.0.12:5000'); }) as typeof fetch });
    const answer = await failing.check(request('app:v1'));
    assert.equal(!answer.ok && answer.message, 'the cache could not be asked about docker.io/library/app:v1: connect ECONNREFUSED 10.96.0.12:5000');
  });

  it('asks by digest when the reference has one', async () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    await checker.check(request(`app:v1@${digest}`));
    assert.deepEqual(cache.asked, [`HEAD ${BASE}/manifests/${digest}`]);
  });
});
