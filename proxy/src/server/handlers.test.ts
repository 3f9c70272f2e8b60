import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ArtifactService, BlobBody, Manifest } from '../cache/types.ts';
import { sha256Of, type Digest } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../oci/mediatypes.ts';
import { resolveProjects } from '../project.ts';
import type { ByteRange } from '../store/blobstore.ts';
import { readBuffers } from '../store/read-buffers.ts';
import { handleBlob, handleManifest, handleReferrers, handleTags, nextPage } from './handlers.ts';
import { sendError } from './respond.ts';
import { parseOciRequest } from './route.ts';

/** An ArtifactService over maps; a blob's stream is cut in `chunk`-sized pieces, each in a buffer of `chunkMemory`. */
class FakeArtifacts implements ArtifactService {
  readonly manifests = new Map<string, Manifest>();
  readonly blobs = new Map<string, Buffer>();
  tagList: string[] = [];
  referrersDoc: Buffer | undefined;
  source: BlobBody['source'] = 'cache';
  chunk = 1000;
  chunkMemory: () => Buffer = () => Buffer.allocUnsafe(this.chunk);
  /** Makes the blob stream fail after this many bytes. */
  failAfter: number | undefined;
  /** Gives each piece in a later turn of the event loop, as the bytes of a file or a socket come; false: at once. */
  laterTurns = true;

  async getManifest(_p: unknown, _n: unknown, reference: string): Promise<Manifest> {
    const m = this.manifests.get(reference);
    if (!m) throw new OciError('MANIFEST_UNKNOWN', `manifest ${reference} is not known`);
    return m;
  }
  /** Blobs answered with a redirect to this URL (a project that redirects to storage). */
  readonly locations = new Map<string, string>();
  async locateBlob(_p: unknown, _n: unknown, digest: Digest): Promise<string | undefined> {
    return this.locations.get(digest);
  }
  async statBlob(_p: unknown, _n: unknown, digest: Digest): Promise<number> {
    const b = this.blobs.get(digest);
    if (!b) throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
    return b.length;
  }
  async openBlob(_p: unknown, _n: unknown, digest: Digest, range?: ByteRange): Promise<BlobBody> {
    const whole = this.blobs.get(digest);
    if (!whole) throw new OciError('BLOB_UNKNOWN', `blob ${digest} is not known`);
    if (range && range.start > range.end) throw new OciError('RANGE_INVALID', 'outside', { headers: { 'content-range': `bytes */${whole.length}` } });
    const bytes = range ? whole.subarray(range.start, range.end + 1) : whole;
    const { chunk, failAfter } = this;
    let at = 0;
    const next = () => {
      if (failAfter !== undefined && at >= failAfter) {
        stream.destroy(new Error('upstream connection reset'));
        return;
      }
      if (at >= bytes.length) {
        stream.push(null);
        return;
      }
      const piece = bytes.subarray(at, at + chunk);
      const memory = this.chunkMemory();
      piece.copy(memory);
      at += piece.length;
      stream.push(memory.subarray(0, piece.length));
    };
    const stream = new Readable({ read: () => (this.laterTurns ? setImmediate(next) : next()) });
    return { size: bytes.length, source: this.source, stream };
  }
  async tags(): Promise<string[]> {
    return this.tagList;
  }
  async referrers(): Promise<Buffer | undefined> {
    return this.referrersDoc;
  }
}

describe('OCI handlers (a loopback server over a fake ArtifactService)', () => {
  const projects = resolveProjects({
    listen: '127.0.0.1:0', storage: { directory: '/unused' },
    projects: [{ name: 'hub', registry: 'docker.io', upstream: 'http://hub.invalid' }],
  });
  let svc: FakeArtifacts;
  let server: Server;
  let base: string;
  const blob = randomBytes(10_000);
  const digest = sha256Of(blob);
  const manifestBody = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [] }));
  const manifestDigest = sha256Of(manifestBody);

  before(async () => {
    server = createServer((req, res) => {
      const method = req.method ?? 'GET';
      void (async () => {
        try {
          const r = parseOciRequest(method, new URL(req.url ?? '/', 'http://cache.test'), projects);
          if (r?.kind === 'manifest') await handleManifest(svc, r, method, req.headers.accept, res);
          else if (r?.kind === 'blob') await handleBlob(svc, r, method, req.headers.range, res);
          else if (r?.kind === 'tags') await handleTags(svc, r, res);
          else if (r?.kind === 'referrers') await handleReferrers(svc, r, res);
          else throw new OciError('UNSUPPORTED', 'not in this test');
        } catch (err) {
          if (!res.destroyed) sendError(res, err);
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/library/app`;
  });
  beforeEach(() => {
    svc = new FakeArtifacts();
    svc.blobs.set(digest, blob);
    const manifest = { digest: manifestDigest, mediaType: OCI_MANIFEST, body: manifestBody };
    svc.manifests.set('v1', manifest);
    svc.manifests.set(manifestDigest, manifest);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  describe('manifests', () => {
    it('GET sends the body with its type, length, digest and ETag', async () => {
      const res = await fetch(`${base}/manifests/v1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(res.headers.get('content-length'), String(manifestBody.length));
      assert.equal(res.headers.get('docker-content-digest'), manifestDigest);
      assert.equal(res.headers.get('etag'), `"${manifestDigest}"`);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), manifestBody);
    });

    it('HEAD sends the same headers and no body', async () => {
      const res = await fetch(`${base}/manifests/${manifestDigest}`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(manifestBody.length));
      assert.equal(res.headers.get('docker-content-digest'), manifestDigest);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    });

    it('an unknown manifest is the service\'s 404 MANIFEST_UNKNOWN', async () => {
      const res = await fetch(`${base}/manifests/v2`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'MANIFEST_UNKNOWN');
    });
  });

  describe('blobs', () => {
    it('GET of a blob the project sends to storage is a 307 to its URL; HEAD and Range are served here', async () => {
      svc.locations.set(digest, 'http://s3.test/bucket/blob?X-Amz-Signature=abc');
      const res = await fetch(`${base}/blobs/${digest}`, { redirect: 'manual' });
      assert.equal(res.status, 307);
      assert.equal(res.headers.get('location'), 'http://s3.test/bucket/blob?X-Amz-Signature=abc');
      assert.equal(res.headers.get('docker-content-digest'), digest);
      const head = await fetch(`${base}/blobs/${digest}`, { method: 'HEAD', redirect: 'manual' });
      assert.equal(head.status, 200);
      const ranged = await fetch(`${base}/blobs/${digest}`, { headers: { range: 'bytes=0-9' }, redirect: 'manual' });
      assert.equal(ranged.status, 206);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), blob.subarray(0, 10));
    });

    it('GET streams the whole blob with its length, digest and Accept-Ranges', async () => {
      const res = await fetch(`${base}/blobs/${digest}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(blob.length));
      assert.equal(res.headers.get('docker-content-digest'), digest);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('content-range'), null);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), blob);
    });

    it('HEAD answers with the size and sends no body', async () => {
      const res = await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(blob.length));
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    });

    const ranges: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-10', 9990, 9999],
      ['bytes=9000-20000', 9000, 9999], // an end past the blob is cut to its last byte
    ];
    for (const [header, start, end] of ranges) {
      it(`Range ${header}: 206 with Content-Range bytes ${start}-${end}/${blob.length} and those bytes`, async () => {
        const res = await fetch(`${base}/blobs/${digest}`, { headers: { range: header } });
        assert.equal(res.status, 206);
        assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${blob.length}`);
        assert.equal(res.headers.get('content-length'), String(end - start + 1));
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), blob.subarray(start, end + 1));
      });
    }

    it('a range past the end is 416 with the size in Content-Range; a malformed one is 416 too', async () => {
      const past = await fetch(`${base}/blobs/${digest}`, { headers: { range: 'bytes=20000-20010' } });
      assert.equal(past.status, 416);
      assert.equal(past.headers.get('content-range'), `bytes */${blob.length}`);
      await past.arrayBuffer();
      const malformed = await fetch(`${base}/blobs/${digest}`, { headers: { range: 'bytes=1-2,5-6' } });
      assert.equal(malformed.status, 416);
      await malformed.arrayBuffer();
    });

    it('hands every chunk it wrote back to the read buffers, which lend them again', async () => {
      const lent = new Set<ArrayBufferLike>();
      svc.chunk = readBuffers.size;
      svc.chunkMemory = () => {
        const b = readBuffers.take();
        lent.add(b.buffer);
        return b;
      };
      const big = randomBytes(readBuffers.size * 3 + 17);
      const bigDigest = sha256Of(big);
      svc.blobs.set(bigDigest, big);
      const res = await fetch(`${base}/blobs/${bigDigest}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), big);
      const again = readBuffers.take();
      try {
        assert.ok(lent.has(again.buffer), 'the next buffer taken is one the response handed back');
      } finally {
        readBuffers.giveBack(again);
      }
    });

    it('a download that fails before its first byte is answered 502, not with a closed connection', async () => {
      svc.source = 'upstream';
      svc.failAfter = 0;
      const res = await fetch(`${base}/blobs/${digest}`);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UPSTREAM_UNAVAILABLE');
    });

    it('a download whose bytes and failure were all there at once is answered 502 instead of hanging', async () => {
      // The stream failed before the handler looked at it: a download of corrupt bytes, buffered whole before the
      // client came (a full store serves it through a Passthrough, which fails at its end). No header has gone out.
      svc.source = 'upstream';
      svc.failAfter = 3000;
      svc.laterTurns = false;
      const res = await fetch(`${base}/blobs/${digest}`);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UPSTREAM_UNAVAILABLE');
    });

    it('a download that fails after its headers breaks the connection', async () => {
      svc.source = 'upstream';
      svc.failAfter = 3000;
      const res = await fetch(`${base}/blobs/${digest}`);
      assert.equal(res.status, 200);
      await assert.rejects(res.arrayBuffer());
    });
  });

  describe('tags', () => {
    it('sends the sorted page and a Link to the next one that keeps the request\'s own path and query', async () => {
      svc.tagList = ['v3', 'v1', 'v2', 'latest'];
      const res = await fetch(`${base}/tags/list?n=2&ns=docker.io`);
      assert.deepEqual(await res.json(), { name: 'library/app', tags: ['latest', 'v1'] });
      assert.equal(res.headers.get('link'), '</v2/library/app/tags/list?n=2&ns=docker.io&last=v1>; rel="next"');
      const last = await fetch(`${base}/tags/list?n=2&last=v1`);
      assert.deepEqual(await last.json(), { name: 'library/app', tags: ['v2', 'v3'] });
      assert.equal(last.headers.get('link'), null);
    });

    it('nextPage replaces n and last rather than adding them twice', () => {
      assert.equal(nextPage(new URL('http://c/v2/a/tags/list?n=5&last=a&ns=x'), 5, 'e'), '/v2/a/tags/list?n=5&last=e&ns=x');
    });
  });

  describe('referrers', () => {
    const subject = sha256Of(Buffer.from('subject'));
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ artifactType: 'application/sbom' }, { artifactType: 'application/sig' }] };

    it('an upstream with none: an empty index', async () => {
      const res = await fetch(`${base}/referrers/${subject}`);
      assert.equal(res.headers.get('content-type'), OCI_INDEX);
      assert.deepEqual(await res.json(), { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
    });

    it('filters by artifactType and says so in OCI-Filters-Applied', async () => {
      svc.referrersDoc = Buffer.from(JSON.stringify(index));
      const all = await fetch(`${base}/referrers/${subject}`);
      assert.deepEqual(await all.json(), index);
      assert.equal(all.headers.get('oci-filters-applied'), null);
      const sboms = await fetch(`${base}/referrers/${subject}?artifactType=application/sbom`);
      assert.equal(sboms.headers.get('oci-filters-applied'), 'artifactType');
      assert.deepEqual(((await sboms.json()) as typeof index).manifests, [{ artifactType: 'application/sbom' }]);
    });

    it('an upstream answer that is not JSON is a 502', async () => {
      svc.referrersDoc = Buffer.from('<html>');
      const res = await fetch(`${base}/referrers/${subject}`);
      assert.equal(res.status, 502);
      await res.arrayBuffer();
    });
  });
});
