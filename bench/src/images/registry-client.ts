// The few OCI distribution API calls the bench makes itself: read a manifest, stream a large blob up, put a manifest
// (to a registry that wants Basic credentials too, when `auth` is given).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BasicAuth {
  username: string;
  password: string;
}

function authHeaders(auth: BasicAuth | undefined): Record<string, string> {
  return auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

export async function getManifest(baseUrl: string, repo: string, reference: string): Promise<FetchedManifest> {
  const res = await fetch(`${baseUrl}/v2/${repo}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET ${repo} manifest ${reference}: ${res.status}`);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { bytes, mediaType: res.headers.get('content-type') ?? '', digest };
}

export async function getBlob(baseUrl: string, repo: string, digest: string): Promise<Uint8Array> {
  const res = await fetch(`${baseUrl}/v2/${repo}/blobs/${digest}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET ${repo} blob ${digest}: ${res.status}`);
  return bytes;
}

/**
 * A PATCH whose body is piped from `chunks` with the socket's backpressure. (fetch() reads a streamed request body
 * ahead of the socket: a 1 GB upload held most of the gigabyte in the bench process.)
 */
async function streamedPatch(url: URL, headers: Record<string, string>, chunks: AsyncIterable<Uint8Array>): Promise<{ status: number; location?: string }> {
  const req = request(url, { method: 'PATCH', headers });
  const answered = once(req, 'response') as Promise<[IncomingMessage]>;
  // A broken connection (the soak restarts its upstreams) rejects both: the pipeline reports it, and this must not
  // become an unhandled rejection that ends the process before.
  answered.catch(() => undefined);
  await pipeline(Readable.from(chunks), req);
  const [res] = await answered;
  res.resume();
  await once(res, 'end');
  return { status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) };
}

/** Uploads a blob without holding it: chunks go up as one streamed PATCH, the digest is computed on the way. */
export async function uploadBlob(
  baseUrl: string,
  repo: string,
  chunks: AsyncIterable<Uint8Array>,
  auth?: BasicAuth,
): Promise<{ digest: string; size: number }> {
  const started = await fetch(`${baseUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: authHeaders(auth) });
  await started.arrayBuffer();
  if (started.status !== 202) throw new Error(`start upload to ${repo}: ${started.status}`);
  const location = new URL(started.headers.get('location') ?? '', baseUrl);

  const hash = createHash('sha256');
  let size = 0;
  async function* counted(): AsyncIterable<Uint8Array> {
    for await (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
  }
  const patched = await streamedPatch(location, { 'content-type': 'application/octet-stream', ...authHeaders(auth) }, counted());
  if (patched.status !== 202) throw new Error(`upload to ${repo}: ${patched.status}`);

  const digest = `sha256:${hash.digest('hex')}`;
  const done = new URL(patched.location ?? location.href, baseUrl);
  done.searchParams.set('digest', digest);
  const put = await fetch(done, { method: 'PUT', headers: authHeaders(auth) });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`finish upload to ${repo}: ${put.status}`);
  return { digest, size };
}

export async function uploadSmallBlob(baseUrl: string, repo: string, bytes: Uint8Array, auth?: BasicAuth) {
  return uploadBlob(baseUrl, repo, (async function* () {
    yield bytes;
  })(), auth);
}

export async function putManifest(baseUrl: string, repo: string, tag: string, mediaType: string, body: string, auth?: BasicAuth) {
  const res = await fetch(`${baseUrl}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType, ...authHeaders(auth) },
    body,
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`PUT ${repo} manifest ${tag}: ${res.status}`);
}
