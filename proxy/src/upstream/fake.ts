// In-memory fakes of the Upstream seam, for unit tests of the pull-through: a registry that holds manifests and
// blobs and can be told to fail, and a decorator that counts what reached it.
import { PassThrough } from 'node:stream';
import { sha256Of } from '../oci/digest.ts';
import { errorForStatus, UpstreamError } from './errors.ts';
import type { Upstream, UpstreamBody, UpstreamRequest, UpstreamResponse } from './types.ts';

/** How the fake fails every request while set; `undefined` answers normally. */
export type FakeFailure =
  | { kind: 'down' }
  | { kind: 'timeout' }
  | { kind: 'status'; status: number; retryAfter?: string };

export class FakeUpstream implements Upstream {
  readonly manifests = new Map<string, { mediaType: string; body: Buffer }>();
  readonly tags = new Map<string, string>();
  readonly blobs = new Map<string, Buffer>();
  failure: FakeFailure | undefined;
  /** While set, blob GETs send their headers and then wait for it before sending the bytes. */
  blobGate: Promise<void> | undefined;

  /** Stores a manifest under `repo@digest` (and `repo:tag` when given); returns its digest. */
  putManifest(repo: string, doc: object, opts: { tag?: string; mediaType?: string } = {}): string {
    const body = Buffer.from(JSON.stringify(doc));
    const digest = sha256Of(body);
    const mediaType = opts.mediaType ?? (doc as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    this.manifests.set(`${repo}@${digest}`, { mediaType, body });
    if (opts.tag) this.tags.set(`${repo}:${opts.tag}`, digest);
    return digest;
  }

  putBlob(bytes: Buffer): string {
    const digest = sha256Of(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    const what = `${req.method} ${req.path}`;
    switch (this.failure?.kind) {
      case 'down':
        throw new UpstreamError('unavailable', `${what}: ECONNREFUSED`);
      case 'timeout':
        throw new UpstreamError('unavailable', `${what}: UND_ERR_HEADERS_TIMEOUT`);
      case 'status':
        throw errorForStatus(this.failure.status, what, this.failure.retryAfter);
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/?]+)/.exec(req.path);
    if (!m) throw errorForStatus(404, what);
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      const digest = ref.includes(':') ? ref : this.tags.get(`${repo}:${ref}`);
      const manifest = digest ? this.manifests.get(`${repo}@${digest}`) : undefined;
      if (!digest || !manifest) throw errorForStatus(404, what);
      return respond(req, manifest.body, { 'content-type': manifest.mediaType, 'docker-content-digest': digest });
    }
    if (kind === 'tags') {
      const tags = [...this.tags.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1));
      if (tags.length === 0) throw errorForStatus(404, what);
      return respond(req, Buffer.from(JSON.stringify({ name: repo, tags })), { 'content-type': 'application/json' });
    }
    const blob = this.blobs.get(ref);
    if (!blob) throw errorForStatus(404, what);
    return respond(req, blob, { 'content-type': 'application/octet-stream' }, req.method === 'GET' ? this.blobGate : undefined);
  }

  async close(): Promise<void> {}
}

/** Counts requests by `METHOD path` before passing them on. */
export class CountingUpstream implements Upstream {
  readonly calls: string[] = [];
  constructor(private readonly inner: Upstream) {}

  count(method: string, pathPart: string): number {
    return this.calls.filter((c) => c.startsWith(`${method} `) && c.includes(pathPart)).length;
  }

  send(req: UpstreamRequest): Promise<UpstreamResponse> {
    this.calls.push(`${req.method} ${req.path}`);
    return this.inner.send(req);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function respond(req: UpstreamRequest, bytes: Buffer, headers: Record<string, string>, gate?: Promise<void>): UpstreamResponse {
  const stream = new PassThrough();
  if (req.method === 'HEAD') stream.end();
  else if (gate) void gate.then(() => stream.end(bytes));
  else stream.end(bytes);
  return { status: 200, headers: { ...headers, 'content-length': String(bytes.length) }, body: bodyOf(stream) };
}

/** Gives a stream undici's body helpers. */
export function bodyOf(stream: PassThrough): UpstreamBody {
  const read = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  return Object.assign(stream, {
    dump: async () => void (await read()),
    json: async () => JSON.parse((await read()).toString('utf8')) as unknown,
    arrayBuffer: async () => {
      const b = await read();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  });
}
