import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/mediatypes.ts';
import type { RepositoryName } from '../oci/names.ts';
import { ManifestTooLarge, UpstreamError } from './errors.ts';
import { bodyOf } from './fake.ts';
import { MAX_TAG_LIST_BYTES, OciUpstream } from './oci-upstream.ts';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './types.ts';

const APP = 'library/app' as RepositoryName;
const D = `sha256:${'c'.repeat(64)}` as Digest;

/** An HTTP seam that answers every request with one canned answer and keeps what it was asked. */
class Canned implements Upstream {
  readonly asked: UpstreamRequest[] = [];
  constructor(private readonly headers: Record<string, string>, private readonly bytes: Buffer = Buffer.alloc(0)) {}
  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    this.asked.push(req);
    const stream = new PassThrough();
    stream.end(req.method === 'HEAD' ? undefined : this.bytes);
    return { status: 200, headers: this.headers, body: bodyOf(stream) };
  }
  async close(): Promise<void> {}
}

describe('OciUpstream', () => {
  it('asks the API\'s paths, naming the repository for the token scope and passing Accept on', async () => {
    const http = new Canned({ 'content-length': '2' }, Buffer.from('{}'));
    const upstream = new OciUpstream(http);
    await upstream.headManifest(APP, 'v1', 'a/b');
    await upstream.getManifest(APP, D, 'c/d');
    await upstream.headBlob(APP, D);
    await (await upstream.getBlob(APP, D)).body.dump();
    await upstream.tags(APP);
    await upstream.referrers(APP, D);
    assert.deepEqual(http.asked, [
      { method: 'HEAD', path: '/v2/library/app/manifests/v1', repository: APP, headers: { accept: 'a/b' } },
      { method: 'GET', path: `/v2/library/app/manifests/${D}`, repository: APP, headers: { accept: 'c/d' } },
      { method: 'HEAD', path: `/v2/library/app/blobs/${D}`, repository: APP },
      { method: 'GET', path: `/v2/library/app/blobs/${D}`, repository: APP },
      { method: 'GET', path: '/v2/library/app/tags/list', repository: APP },
      { method: 'GET', path: `/v2/library/app/referrers/${D}`, repository: APP },
    ]);
  });

  it('reads a manifest with its digest and type; a malformed Docker-Content-Digest is no digest', async () => {
    const body = Buffer.from('{"schemaVersion":2}');
    const good = new OciUpstream(new Canned({ 'docker-content-digest': sha256Of(body), 'content-type': 'x/y' }, body));
    assert.deepEqual(await good.getManifest(APP, 'v1', '*/*'), { body, digest: sha256Of(body), contentType: 'x/y' });
    const bad = new OciUpstream(new Canned({ 'docker-content-digest': 'sha256:short' }, body));
    assert.equal((await bad.getManifest(APP, 'v1', '*/*')).digest, undefined);
    assert.equal(await bad.headManifest(APP, 'v1', '*/*'), undefined);
  });

  it('refuses a manifest past the limit with ManifestTooLarge, before reading it', async () => {
    const upstream = new OciUpstream(new Canned({ 'content-length': String(MAX_MANIFEST_BYTES + 1) }));
    await assert.rejects(upstream.getManifest(APP, 'v1', '*/*'), (e: unknown) => e instanceof ManifestTooLarge);
  });

  it('gives a blob\'s size from Content-Length, undefined without one (or with nonsense)', async () => {
    assert.equal(await new OciUpstream(new Canned({ 'content-length': '1234' })).headBlob(APP, D), 1234);
    assert.equal(await new OciUpstream(new Canned({})).headBlob(APP, D), undefined);
    assert.equal((await new OciUpstream(new Canned({ 'content-length': 'many' })).getBlob(APP, D)).size, undefined);
  });

  it('keeps the strings of a tag list, and reads a list without tags as empty', async () => {
    const list = (doc: unknown) => new OciUpstream(new Canned({}, Buffer.from(JSON.stringify(doc)))).tags(APP);
    assert.deepEqual(await list({ name: 'library/app', tags: ['v1', 2, null, 'v2'] }), ['v1', 'v2']);
    assert.deepEqual(await list({ name: 'library/app', tags: null }), []);
    assert.deepEqual(await list(null), []);
  });

  it('a tag list that is not JSON, or past its limit, is the upstream answering nonsense (invalid)', async () => {
    const notJson = new OciUpstream(new Canned({}, Buffer.from('<html>')));
    await assert.rejects(notJson.tags(APP), (e: unknown) => e instanceof UpstreamError && e.kind === 'invalid');
    const huge = new OciUpstream(new Canned({ 'content-length': String(MAX_TAG_LIST_BYTES + 1) }));
    await assert.rejects(huge.tags(APP), (e: unknown) => e instanceof UpstreamError && e.kind === 'invalid' && /larger than/.test(e.message));
  });
});
