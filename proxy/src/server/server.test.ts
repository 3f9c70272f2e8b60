import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from '../store/file-store.ts';
import { Catalog } from '../index/catalog.ts';
import { resolveProjects } from '../project.ts';
import { PullThrough } from '../cache/pullthrough.ts';
import { ProxyMetrics, type ProxyStats } from '../observe/metrics.ts';
import { createLogger } from '../observe/log.ts';
import { DOCKER_LIST, OCI_MANIFEST } from '../oci/mediatypes.ts';
import { FakeUpstream } from '../upstream/fake.ts';
import { OciUpstream } from '../upstream/oci-upstream.ts';
import { createProxyServer, hasDotSegment } from './server.ts';

describe('proxy HTTP server (in process, in-memory upstream)', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let fake: FakeUpstream;
  let manifest: string;
  let layer: string;
  let layerBytes: Buffer;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-server-'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, `alice:{SHA}${createHash('sha1').update('s3cret').digest('base64')}\n`);
    const store = new FileBlobStore(join(dir, 'store'));
    await store.init();
    fake = new FakeUpstream();
    layerBytes = randomBytes(10_000);
    layer = fake.putBlob(layerBytes);
    manifest = fake.putManifest('library/app', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [{ digest: layer }] }, { tag: 'v1' });
    fake.putManifest('team/app', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }, { tag: 'v1' });
    for (const tag of ['v2', 'v3']) fake.putManifest('team/app', { schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [], annotations: { tag } }, { tag });
    const projects = resolveProjects({
      listen: '127.0.0.1:0', storage: { directory: dir },
      projects: [
        { name: 'hub', registry: 'docker.io', upstream: 'http://fake.invalid' },
        { name: 'private', registry: 'private.test', upstream: 'http://fake.invalid', access: { htpasswdFile: htpasswd } },
      ],
    });
    const metrics = new ProxyMetrics(['hub', 'private']);
    const service = new PullThrough({ store, catalog: Catalog.inMemory(), upstreams: new Map([['hub', new OciUpstream(fake)], ['private', new OciUpstream(fake)]]), observer: metrics });
    server = createProxyServer({
      projects, service, metrics, logger: createLogger('error'), isReady: () => true,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const errorCode = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code;

  it('GET /v2/ challenges when a project needs credentials, and accepts valid ones', async () => {
    const anonymous = await fetch(`${base}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm="berth private\.test"/);
    assert.equal((await fetch(`${base}/v2/`, { headers: { authorization: basic('alice', 's3cret') } })).status, 200);
    assert.equal((await fetch(`${base}/v2/?ns=docker.io`)).status, 200, 'an anonymous project named by ns needs nothing');
  });

  it('a protected project answers 401 UNAUTHORIZED without valid credentials and serves with them', async () => {
    const none = await fetch(`${base}/v2/private.test/team/app/manifests/v1`);
    assert.equal(none.status, 401);
    assert.equal(await errorCode(none), 'UNAUTHORIZED');
    const wrong = await fetch(`${base}/v2/private.test/team/app/manifests/v1`, { headers: { authorization: basic('alice', 'nope') } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`${base}/v2/private.test/team/app/manifests/v1`, { headers: { authorization: basic('alice', 's3cret') } });
    assert.equal(ok.status, 200);
  });

  it('an anonymous project serves without credentials, with digest, type and length headers', async () => {
    const res = await fetch(`${base}/v2/docker.io/library/app/manifests/v1`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), manifest);
    assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(Number(res.headers.get('content-length')), (await res.arrayBuffer()).byteLength);
  });

  it('404 MANIFEST_UNKNOWN when the client accepts none of the stored type and the upstream cannot help', async () => {
    const res = await fetch(`${base}/v2/docker.io/library/app/manifests/${manifest}`, { headers: { accept: DOCKER_LIST } });
    assert.equal(res.status, 404);
    assert.equal(await errorCode(res), 'MANIFEST_UNKNOWN');
  });

  it('a Range request on a cached blob answers 206 with the range\'s length and the total size', async () => {
    await (await fetch(`${base}/v2/docker.io/library/app/blobs/${layer}`)).arrayBuffer();
    const res = await fetch(`${base}/v2/docker.io/library/app/blobs/${layer}`, { headers: { range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-length'), '100');
    assert.equal(res.headers.get('content-range'), `bytes 100-199/${layerBytes.length}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), layerBytes.subarray(100, 200));
  });

  it('writes get 405 UNSUPPORTED', async () => {
    const res = await fetch(`${base}/v2/docker.io/library/app/manifests/v2`, { method: 'PUT', body: '{}' });
    assert.equal(res.status, 405);
    assert.equal(await errorCode(res), 'UNSUPPORTED');
  });

  // The Link of a page names the next page of the same project: by its path prefix, or by ?ns= (issue 13).
  const pages: [string, string, string][] = [
    ['a path prefix', '/v2/private.test/team/app/tags/list?n=1', '/v2/private.test/team/app/tags/list?n=1&last=v1'],
    ['?ns=', '/v2/team/app/tags/list?ns=private.test&n=1', '/v2/team/app/tags/list?ns=private.test&n=1&last=v1'],
  ];
  for (const [how, first, next] of pages) {
    it(`tags/list pagination on a non-default project named by ${how} stays in that project`, async () => {
      const auth = { authorization: basic('alice', 's3cret') };
      const page1 = await fetch(`${base}${first}`, { headers: auth });
      assert.equal(page1.status, 200);
      assert.deepEqual(((await page1.json()) as { tags: string[] }).tags, ['v1']);
      assert.equal(page1.headers.get('link'), `<${next}>; rel="next"`);
      const page2 = await fetch(`${base}${next}`, { headers: auth });
      assert.equal(page2.status, 200, 'the next page is served by the same (protected) project');
      assert.deepEqual(((await page2.json()) as { tags: string[] }).tags, ['v2']);
    });
  }

  it('/_berth/stats names no repository or digest of a protected project to an anonymous caller (issue 13)', async () => {
    const secret = `sha256:${'5'.repeat(64)}`;
    fake.failure = { kind: 'status', status: 503 };
    try {
      const res = await fetch(`${base}/v2/private.test/team/secret-app/blobs/${secret}`, { headers: { authorization: basic('alice', 's3cret') } });
      assert.equal(res.status, 503);
      await res.arrayBuffer();
    } finally {
      fake.failure = undefined;
    }
    const stats = (await (await fetch(`${base}/_berth/stats`)).json()) as ProxyStats;
    const text = JSON.stringify(stats);
    assert.doesNotMatch(text, /secret-app/);
    assert.doesNotMatch(text, /5{64}/);
    // What the operator reads is still there: when, and what kind of failure.
    assert.ok(stats.lastUpstreamError, text);
    assert.match(stats.lastUpstreamError.message, /503/);
  });

  it('/_berth/stats keeps the full upstream error of an anonymous project', async () => {
    fake.failure = { kind: 'status', status: 502 };
    try {
      await (await fetch(`${base}/v2/docker.io/library/public-app/manifests/v9`)).arrayBuffer();
    } finally {
      fake.failure = undefined;
    }
    const stats = (await (await fetch(`${base}/_berth/stats`)).json()) as ProxyStats;
    assert.match(stats.lastUpstreamError?.message ?? '', /library\/public-app.*502/);
    assert.match(stats.projects.hub?.lastUpstreamError?.message ?? '', /library\/public-app/);
  });

  it('/metrics has request latency by route', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /berth_request_duration_seconds_count\{route="manifest",project="hub"\} [1-9]/);
  });
});

describe('hasDotSegment', () => {
  const cases: [string, boolean][] = [
    ['/v2/library/app/manifests/v1', false],
    ['/v2/library/app/manifests/v1.2..3', false],
    ['/v2/library/../etc/manifests/v1', true],
    ['/v2/library/./app/manifests/v1', true],
    ['/v2/app/blobs/sha256:%2e%2e%2f%2e%2e%2fetc', true],
    ['/v2/app/blobs/%2E%2E/x', true],
  ];
  for (const [path, want] of cases) it(`${path}: ${want}`, () => assert.equal(hasDotSegment(path), want));
});
