// OCI read API handlers: each parses nothing itself (route.ts did), calls the ArtifactService, writes headers.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ArtifactService } from '../cache/types.ts';
import type { OciRequest } from './route.ts';
import { OciError } from '../oci/errors.ts';
import { OCI_INDEX, acceptedManifestTypes } from '../oci/mediatypes.ts';
import { parseRange } from './respond.ts';
import { tagPage } from './tag-page.ts';
import { readBuffers } from '../store/read-buffers.ts';

type Req<K extends OciRequest['kind']> = Extract<OciRequest, { kind: K }>;

const API_VERSION = 'registry/2.0';
const API_HEADER = { 'docker-distribution-api-version': API_VERSION };

export async function handleManifest(svc: ArtifactService, r: Req<'manifest'>, method: string, accept: string | string[] | undefined, res: ServerResponse): Promise<number> {
  const m = await svc.getManifest(r.project, r.name, r.reference, acceptedManifestTypes(accept));
  res.writeHead(200, {
    'docker-distribution-api-version': API_VERSION,
    'content-type': m.mediaType,
    'content-length': m.body.byteLength,
    'docker-content-digest': m.digest,
    etag: `"${m.digest}"`,
  });
  res.end(method === 'HEAD' ? undefined : m.body);
  return method === 'HEAD' ? 0 : m.body.byteLength;
}

export async function handleBlob(svc: ArtifactService, r: Req<'blob'>, method: string, rangeHeader: string | undefined, res: ServerResponse): Promise<{ bytes: number; source: string }> {
  if (method === 'HEAD') {
    const size = await svc.statBlob(r.project, r.name, r.reference);
    res.writeHead(200, { ...API_HEADER, 'content-type': 'application/octet-stream', 'content-length': size, 'docker-content-digest': r.reference, 'accept-ranges': 'bytes' });
    res.end();
    return { bytes: 0, source: 'none' };
  }
  if (!rangeHeader) {
    // The project may send warm blobs' clients to object storage (HEAD and Range requests stay served here).
    const location = await svc.locateBlob(r.project, r.name, r.reference);
    if (location) {
      // The URL is a credential: it goes in this header and nowhere else (the access log has no headers).
      res.writeHead(307, { ...API_HEADER, location, 'docker-content-digest': r.reference, 'cache-control': 'no-store' });
      res.end();
      return { bytes: 0, source: 'redirect' };
    }
  }
  const total = rangeHeader ? await svc.statBlob(r.project, r.name, r.reference) : undefined;
  let range = rangeHeader ? parseRange(rangeHeader, total) : undefined;
  const body = await svc.openBlob(r.project, r.name, r.reference, range);
  if (body.source === 'upstream') await firstBytesOrFailure(body.stream);
  const headers: Record<string, string | number> = {
    ...API_HEADER, 'content-type': 'application/octet-stream', 'docker-content-digest': r.reference, 'accept-ranges': 'bytes',
  };
  if (body.size >= 0) headers['content-length'] = body.size;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${total ?? '*'}`;
  res.writeHead(range ? 206 : 200, headers);
  range = undefined;
  let bytes = 0;
  try {
    bytes = await writeBody(body.stream, res);
  } catch (err) {
    // A client that hung up is not an error of ours; a download that failed mid-way breaks the connection.
    if (!res.destroyed || res.writableFinished) throw err;
    body.stream.destroy();
  }
  return { bytes, source: body.source };
}

/**
 * Waits until a download has bytes to give (or has ended). Headers go out with the first byte: a download that fails
 * before it (the range a client resumes from lies past the point where the upstream broke) can then still be answered
 * with a status, not with a connection closed without any answer (the fault matrix found that).
 */
async function firstBytesOrFailure(stream: Readable): Promise<void> {
  let ready: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    // Stays on: an error between here and the piping must not go unhandled; after resolve() it changes nothing.
    stream.on('error', (err) => reject(downloadFailed(err)));
    // Already failed: its 'error' may have been emitted before this listener, and will not come again.
    if (stream.errored) return reject(downloadFailed(stream.errored));
    ready = resolve;
    stream.once('readable', ready);
  }).finally(() => ready && stream.off('readable', ready));
  // Failed in the same turn as its first bytes (a short body buffered whole): still before any header.
  if (stream.errored) throw downloadFailed(stream.errored);
}

function downloadFailed(cause: Error): OciError {
  return new OciError('UPSTREAM_UNAVAILABLE', 'the download from the upstream registry failed', { status: 502, cause });
}

/**
 * Writes the stream's chunks to the response and hands each back to the read buffers once the socket has written
 * it, so the store reads into it again (chunks of other memory are ignored there). Errors like pipeline: a failing
 * source destroys the response.
 */
async function writeBody(stream: Readable, res: ServerResponse): Promise<number> {
  let bytes = 0;
  const cleanups: (() => void)[] = [];
  const on = <A extends unknown[]>(emitter: Readable | ServerResponse, event: string, listener: (...args: A) => void) => {
    emitter.on(event, listener as (...args: unknown[]) => void);
    cleanups.push(() => emitter.off(event, listener as (...args: unknown[]) => void));
  };
  try {
    // A stream that failed before this point (its bytes and its failure were all buffered when the client came)
    // emits no 'error', 'end' or 'close' again: listening would wait for ever.
    if (stream.errored) throw stream.errored;
    // Flowing mode hands over each chunk as it was pushed (read() may concatenate buffered chunks into new memory).
    await new Promise<void>((resolve, reject) => {
      on(stream, 'data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        const more = res.write(chunk, (err) => {
          if (!err) readBuffers.giveBack(chunk);
        });
        if (!more) stream.pause();
      });
      on(res, 'drain', () => stream.resume());
      on(stream, 'end', resolve);
      on(stream, 'error', reject);
      on(res, 'close', () => reject(new Error('client went away')));
    });
    await new Promise<void>((resolve) => res.end(resolve));
  } catch (err) {
    stream.destroy();
    res.destroy(err as Error);
    throw err;
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
  return bytes;
}

export async function handleTags(svc: ArtifactService, r: Req<'tags'>, res: ServerResponse): Promise<void> {
  const { tags, more } = tagPage(await svc.tags(r.project, r.name), r.n, r.last);
  const headers: Record<string, string> = { ...API_HEADER, 'content-type': 'application/json' };
  if (more) headers.link = `<${nextPage(r.target, r.n!, tags[tags.length - 1]!)}>; rel="next"`;
  res.writeHead(200, headers);
  res.end(JSON.stringify({ name: r.name, tags }));
}

/**
 * The next page is the request as the client sent it (its path prefix or `?ns=` names the project) with `n` and
 * `last` set: built from the name alone, it would point into the default project.
 */
export function nextPage(target: URL, n: number, last: string): string {
  const next = new URL(target);
  next.searchParams.set('n', String(n));
  next.searchParams.set('last', last);
  return `${next.pathname}${next.search}`;
}

export async function handleReferrers(svc: ArtifactService, r: Req<'referrers'>, res: ServerResponse): Promise<void> {
  const upstream = await svc.referrers(r.project, r.name, r.reference);
  let doc: { schemaVersion: number; mediaType: string; manifests: { artifactType?: string }[] } =
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  if (upstream) {
    try {
      doc = JSON.parse(upstream.toString('utf8')) as typeof doc;
    } catch {
      throw new OciError('UPSTREAM_UNAVAILABLE', 'upstream referrers answer is not JSON');
    }
  }
  const headers: Record<string, string> = { ...API_HEADER, 'content-type': OCI_INDEX };
  if (r.artifactType) {
    doc.manifests = (doc.manifests ?? []).filter((m) => m.artifactType === r.artifactType);
    headers['oci-filters-applied'] = 'artifactType';
  }
  res.writeHead(200, headers);
  res.end(JSON.stringify(doc));
}
