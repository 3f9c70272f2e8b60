// What is cached, per project, without reading the volume: `GET /v2/_catalog` of a real proxy lists the repositories a
// project has cached (from its index: embedded sqlite, or Redis shared by replicas), paginated with `n`, `last` and a
// Link header, and guarded like a pull (a protected project refuses anonymous callers). /_berth/stats (which the
// operator copies into the project's status) counts the repositories and names the largest.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, htpasswdLine, pushImage, repoRoot, run, section, shellBlocks, startRedis, startRegistry, tempDir, waitFor, type Redis, type Registry, type TempDir, type TestImage } from '@berth/e2e';
import { errorCodes, fetchAll, proxyWith, stats, type ProxyPlacement, type ProxyUnderTest } from './fixture.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('proxy: GET /v2/_catalog per project @real', function () {
  this.timeout(300_000);
  const basic = `Basic ${Buffer.from('ci:catalog-pass-22b').toString('base64')}`;
  let upstream: Registry;
  let image: TestImage;
  let secrets: TempDir;
  let redis: Redis;
  let htpasswdFile: string;

  before(async () => {
    [upstream, image, secrets, redis] = await Promise.all([startRegistry({ deleteEnabled: true }), buildImage({ layerSizes: [1_000] }), tempDir('berth-catalog'), startRedis()]);
    for (const repo of ['library/alpha', 'library/beta', 'org/gamma', 'org/never-pulled']) await pushImage(image, `${upstream.host}/${repo}:v1`);
    htpasswdFile = join(secrets.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine('ci', 'catalog-pass-22b'));
  });
  after(async () => {
    await Promise.all([upstream?.stop(), image?.dispose(), secrets?.remove(), redis?.stop()]);
  });

  for (const backend of ['embedded sqlite', 'Redis'] as const) {
    describe(`with the ${backend} index`, () => {
      let cache: ProxyUnderTest;
      const get = (path: string, headers: Record<string, string> = {}) => fetchAll(`${cache.proxy.url}${path}`, { headers });
      const listed = async (path: string, headers: Record<string, string> = {}) => {
        const response = await get(path, headers);
        assert.equal(response.status, 200, `${path}: ${response.body?.toString('utf8')}`);
        return { repositories: (JSON.parse(response.body!.toString('utf8')) as { repositories: string[] }).repositories, link: response.headers.get('link') };
      };

      before(async () => {
        const placement: ProxyPlacement = backend === 'Redis' ? { redis: redis.url } : {};
        cache = await proxyWith([
          { name: `hub-${backend === 'Redis' ? 'r' : 's'}`, registry: 'docker.io', upstream: upstream.url, default: true, tagTTL: '0s' },
          { name: `private-${backend === 'Redis' ? 'r' : 's'}`, registry: 'private.test', upstream: upstream.url, access: { htpasswdFile } },
        ], placement);
        // Pulled through the cache: three repositories into the default project, one into the protected one.
        for (const path of ['/v2/docker.io/library/alpha', '/v2/docker.io/library/beta', '/v2/docker.io/org/gamma']) {
          assert.equal((await get(`${path}/manifests/v1`, { accept: OCI_MANIFEST })).status, 200, path);
        }
        assert.equal((await get(`/v2/docker.io/library/alpha/blobs/${image.layerDigests[0]}`)).status, 200);
        assert.equal((await get('/v2/private.test/org/gamma/manifests/v1', { accept: OCI_MANIFEST, authorization: basic })).status, 200);
      });
      after(async () => cache?.dispose());

      it('lists the repositories a project cached, named by path prefix, by ?ns= or as the default project', async () => {
        const hub = ['library/alpha', 'library/beta', 'org/gamma'];
        assert.deepEqual((await listed('/v2/docker.io/_catalog')).repositories, hub);
        assert.deepEqual((await listed('/v2/_catalog?ns=docker.io')).repositories, hub);
        assert.deepEqual((await listed('/v2/_catalog')).repositories, hub);
        assert.deepEqual((await listed('/v2/private.test/_catalog', { authorization: basic })).repositories, ['org/gamma']);
      });

      it('pages with n and last, and links the next page in the way the project was named', async () => {
        const first = await listed('/v2/docker.io/_catalog?n=2');
        assert.deepEqual(first.repositories, ['library/alpha', 'library/beta']);
        assert.equal(first.link, '</v2/docker.io/_catalog?n=2&last=library%2Fbeta>; rel="next"');
        const next = await listed(/^<([^>]+)>/.exec(first.link!)![1]!);
        assert.deepEqual(next, { repositories: ['org/gamma'], link: null });
        const byNs = await listed('/v2/_catalog?ns=docker.io&n=1&last=library%2Falpha');
        assert.deepEqual(byNs.repositories, ['library/beta']);
        assert.equal(byNs.link, '</v2/_catalog?ns=docker.io&n=1&last=library%2Fbeta>; rel="next"');
      });

      it('says in /_berth/stats, per project, how many repositories are cached and which are the largest', async () => {
        const hub = backend === 'Redis' ? 'hub-r' : 'hub-s';
        // The summary is read again in the background a few seconds after the cache stored something.
        await waitFor(async () => (await stats(cache.proxy.url)).projects[hub]?.index?.repositories === 3, { what: 'the index summary after the pulls', timeoutMs: 60_000 });
        const s = await stats(cache.proxy.url);
        const index = s.projects[hub]!.index!;
        assert.equal(index.keptAfterUpstreamDelete, 0);
        // The same image in each: its manifest, and the layer (pulled once, through alpha) that each references.
        assert.deepEqual(index.topRepositories.map((r) => r.name), ['library/alpha', 'library/beta', 'org/gamma'], JSON.stringify(index));
        assert.ok(index.topRepositories.every((r) => r.bytes > 1_000 && r.bytes === index.topRepositories[0]!.bytes), JSON.stringify(index));
        assert.equal(s.index?.repositories, 4, 'in total, both projects');
        // The upstream deletes an image: pulled again, it is served from the cache and counted as kept.
        const deleted = await fetch(`${upstream.url}/v2/library/beta/manifests/${image.manifestDigest}`, { method: 'DELETE' });
        assert.equal(deleted.status, 202);
        try {
          assert.equal((await get('/v2/docker.io/library/beta/manifests/v1', { accept: OCI_MANIFEST })).status, 200);
          await waitFor(async () => (await stats(cache.proxy.url)).projects[hub]?.index?.keptAfterUpstreamDelete === 1, { what: 'the kept image in the summary', timeoutMs: 60_000 });
        } finally {
          await pushImage(image, `${upstream.host}/library/beta:v1`); // back, for the other backend's turn
        }
      });

      it('refuses an anonymous caller of a protected project as a pull would, and an unknown registry', async () => {
        const anonymous = await get('/v2/private.test/_catalog');
        assert.equal(anonymous.status, 401);
        assert.deepEqual(errorCodes(anonymous.body), ['UNAUTHORIZED']);
        assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
        const unknown = await get('/v2/quay.io/_catalog');
        assert.equal(unknown.status, 404);
        assert.deepEqual(errorCodes(unknown.body), ['NAME_UNKNOWN']);
      });
    });
  }

  it("runs docs/operations.md's catalog and tags commands as written, against a cache of library/nginx", async () => {
    await pushImage(image, `${upstream.host}/library/nginx:v1`);
    const cache = await proxyWith([{ name: 'docker-hub', registry: 'docker.io', upstream: upstream.url }]);
    try {
      assert.equal((await fetchAll(`${cache.proxy.url}/v2/docker.io/library/nginx/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status, 200);
      const docs = section(await readFile(join(repoRoot(), 'docs', 'operations.md'), 'utf8'), '## What is cached');
      const [commands] = shellBlocks(docs);
      // The reader's cache address is the one line that differs here.
      const script = commands!.replace(/^CACHE=.*$/m, `CACHE=${cache.proxy.url}`);
      // curl prints each body without a newline after it: the two bodies and skopeo's JSON come out run together.
      const out = (await run('bash', ['-euo', 'pipefail', '-c', script])).replaceAll('}{', '}\n{').split('\n').filter((l) => l.trim());
      assert.deepEqual(JSON.parse(out[0]!), { repositories: ['library/nginx'] });
      assert.deepEqual(JSON.parse(out[1]!), { name: 'library/nginx', tags: ['v1'] });
      assert.deepEqual((JSON.parse(out.slice(2).join('\n')) as { Tags: string[] }).Tags, ['v1'], 'skopeo list-tags');
    } finally {
      await cache.dispose();
    }
  });
});
