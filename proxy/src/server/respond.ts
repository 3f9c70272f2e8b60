// The one place that turns errors into responses: a protocol error (errors.ts) → the spec's JSON; anything else →
// 500 without detail.
import type { ServerResponse } from 'node:http';
import { OciError } from '../oci/errors.ts';
import { toOciError } from './errors.ts';

export function sendError(res: ServerResponse, err: unknown): OciError {
  const oci = toOciError(err) ?? new OciError('UPSTREAM_UNAVAILABLE', 'internal error', { status: 500 });
  if (res.headersSent) {
    // Bytes already went out: the only honest signal left is a broken connection.
    res.destroy(err instanceof Error ? err : undefined);
    return oci;
  }
  const body = oci.body();
  res.writeHead(oci.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'docker-distribution-api-version': 'registry/2.0',
    ...oci.headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
  return oci;
}

/** Parses `Range: bytes=a-b` (one range); undefined when absent. Throws RANGE_INVALID when malformed. */
export function parseRange(value: string | undefined, size?: number): { start: number; end: number } | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw new OciError('RANGE_INVALID', 'only a single bytes=start-end range is supported');
  if (m[1] === '') {
    if (size === undefined) throw new OciError('RANGE_INVALID', 'suffix ranges need a known size');
    return { start: Math.max(0, size - Number(m[2])), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? (size === undefined ? Number.MAX_SAFE_INTEGER : size - 1) : Number(m[2]);
  return { start, end: size === undefined ? end : Math.min(end, size - 1) };
}
