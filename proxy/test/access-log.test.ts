// The request (access) log of a real proxy process: with `log.access` on, one JSON line at info per request, saying
// what was asked, what was answered and what the cache did; never the client's credentials (Authorization, userinfo
// of an absolute-form target, a query string). With it off, at info, no request lines at all.
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, freePort, htpasswdLine, pushImage, startRegistry, tempDir, waitFor, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { fetchAll, proxyWith, stats, type ProxyUnderTest } from './fixture.ts';
import { rawRequest } from './raw-http.ts';

interface Line {
  level: string;
  message: string;
  requestId?: string;
  [key: string]: unknown;
}

function lines(log: string): Line[] {
  return log.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Line];
    } catch {
      return [];
    }
  });
}

describe('proxy: the request (access) log @real', function () {
  this.timeout(300_000);
  const password = 'access-log-secret-4f1';
  const auth = `Basic ${Buffer.from(`ci:${password}`).toString('base64')}`;
  let upstream: Registry;
  let image: TestImage;
  let secrets: TempDir;
  let cache: ProxyUnderTest;
  let id = 0;

  /** The request line of the request sent with this x-request-id, once the proxy has written it. */
  async function lineOf(requestId: string, of: ProxyUnderTest = cache): Promise<Line> {
    let found: Line | undefined;
    await waitFor(async () => (found = lines(await of.proxy.log()).find((l) => l.message === 'request' && l.requestId === requestId)) !== undefined,
      { what: `the log line of request ${requestId}`, timeoutMs: 30_000 });
    return found!;
  }

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; requestId: string }> {
    const requestId = `access-${++id}`;
    const response = await fetchAll(`${cache.proxy.url}${path}`, { headers: { 'x-request-id': requestId, ...headers } });
    return { status: response.status, requestId };
  }

  before(async () => {
    [upstream, image, secrets] = await Promise.all([startRegistry(), buildImage({ layerSizes: [200_000] }), tempDir('berth-access-log')]);
    await pushImage(image, `${upstream.host}/library/app:v1`);
    const htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine('ci', password));
    cache = await proxyWith([
      { name: 'hub', registry: 'docker.io', upstream: upstream.url },
      { name: 'private', registry: 'private.test', upstream: upstream.url, access: { htpasswdFile } },
    ], { log: { level: 'info', access: true } });
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([upstream?.stop(), image?.dispose(), secrets?.remove()]);
  });

  it('writes one info line per request: method, path, route, status, bytes, duration, project, cache outcome, client', async () => {
    const layer = image.layerDigests[0]!;
    const size = (await stat(join(image.layoutDir, 'blobs', 'sha256', layer.slice('sha256:'.length)))).size;
    const cold = await get(`/v2/docker.io/library/app/blobs/${layer}`);
    const warm = await get(`/v2/docker.io/library/app/blobs/${layer}`);
    assert.deepEqual([cold.status, warm.status], [200, 200]);
    const first = await lineOf(cold.requestId);
    assert.equal(first.level, 'info');
    assert.deepEqual(
      { method: first.method, path: first.path, route: first.route, status: first.status, bytes: first.bytes, project: first.project, cache: first.cache, client: first.client },
      { method: 'GET', path: `/v2/docker.io/library/app/blobs/${layer}`, route: 'blob', status: 200, bytes: size, project: 'hub', cache: 'miss', client: '127.0.0.1' },
    );
    assert.equal(typeof first.durationMs, 'number');
    assert.equal((await lineOf(warm.requestId)).cache, 'hit');
    const missing = await get('/v2/docker.io/library/absent/manifests/v1');
    const line = await lineOf(missing.requestId);
    assert.deepEqual([line.status, line.route, line.project], [404, 'manifest', 'hub']);
    const health = await get('/healthz');
    assert.deepEqual([(await lineOf(health.requestId)).route, (await lineOf(health.requestId)).project], ['healthz', '']);
    const all = lines(await cache.proxy.log()).filter((l) => l.message === 'request' && [cold, warm, missing, health].some((r) => r.requestId === l.requestId));
    assert.equal(all.length, 4, 'one line per request');
  });

  it('never logs a credential: no Authorization, no userinfo of an absolute-form target, no query', async () => {
    const authorized = await get('/v2/private.test/library/app/manifests/v1', { authorization: auth });
    assert.equal(authorized.status, 200);
    const absolute = `access-${++id}`;
    const raw = await rawRequest(Number(cache.proxy.host.split(':')[1]),
      `GET http://ci:${password}@${cache.proxy.host}/v2/private.test/library/app/manifests/v1?token=${password} HTTP/1.1\r\nHost: ${cache.proxy.host}\r\nx-request-id: ${absolute}\r\nAuthorization: ${auth}\r\n`);
    assert.ok(raw.ok && raw.response.status === 200, raw.ok ? `status ${raw.response.status}` : raw.problem);
    const withQuery = await get(`/v2/docker.io/library/app/tags/list?n=10&token=${password}`);
    for (const requestId of [authorized.requestId, absolute, withQuery.requestId]) await lineOf(requestId);
    const log = await cache.proxy.log();
    assert.ok(!log.includes(password), 'the password appears nowhere in the log');
    assert.ok(!log.includes(auth.slice('Basic '.length)), 'the Authorization header appears nowhere in the log');
    assert.equal((await lineOf(absolute)).path, '/v2/private.test/library/app/manifests/v1');
    assert.equal((await lineOf(withQuery.requestId)).path, '/v2/docker.io/library/app/tags/list');
  });

  it('writes no request line at info when the access log is off; a failed manifest fetch still warns with its cause, and is counted', async () => {
    const closed = await freePort();
    const quiet = await proxyWith([
      { name: 'hub', registry: 'docker.io', upstream: upstream.url },
      { name: 'gone', registry: 'gone.test', upstream: `http://127.0.0.1:${closed}` },
    ], { log: { level: 'info' }, upstreamTimeouts: { deadline: '2s' } });
    try {
      const headers = (requestId: string) => ({ headers: { 'x-request-id': requestId } });
      assert.equal((await fetchAll(`${quiet.proxy.url}/v2/docker.io/library/app/manifests/v1`, headers('quiet-ok'))).status, 200);
      assert.equal((await fetchAll(`${quiet.proxy.url}/v2/gone.test/library/app/manifests/v1`, headers('quiet-failed'))).status, 502);
      // One stream, written in order: once the failure's warn line is there, a line of the request before it would be.
      let failed: Line | undefined;
      await waitFor(async () => (failed = lines(await quiet.proxy.log()).find((l) => l.requestId === 'quiet-failed')) !== undefined,
        { what: 'the warn line of the failed request', timeoutMs: 30_000 });
      assert.equal(failed!.level, 'warn');
      assert.match(JSON.stringify(failed), /ECONNREFUSED/, 'the warn line names the cause');
      assert.deepEqual(lines(await quiet.proxy.log()).filter((l) => l.message === 'request'), []);
      // The failed manifest fetch is counted: as a request by route, code and project, and as
      // upstream attempts that failed (a tag first seen is fetched with a GET; retried, so several).
      const metrics = await (await fetch(`${quiet.proxy.url}/metrics`)).text();
      assert.match(metrics, /^berth_requests_total\{route="manifest",code="502",project="gone"\} 1$/m);
      assert.match(metrics, /^berth_upstream_request_duration_seconds_count\{project="gone",method="GET",code="error"\} [1-9]/m);
      assert.match((await stats(quiet.proxy.url)).projects.gone?.lastUpstreamError?.message ?? '', /ECONNREFUSED/);
    } finally {
      await quiet.dispose();
    }
  });
});
