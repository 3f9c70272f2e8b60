// Reading a whole upstream body (a manifest, a tag list) as an upstream read: a body that breaks, stalls past the
// body timeout or is cut short is the upstream failing (UpstreamError, unavailable), like an answer that never came,
// so the pull-through serves what it has or answers 502 — not a 500 "internal error" (the fault matrix found that).
import { describeError, UpstreamError } from './errors.ts';
import type { UpstreamResponse } from './types.ts';

/**
 * The body's bytes. Rejects with UpstreamError (unavailable) when it breaks, and with `tooLarge()` (after letting
 * the connection go) when it passes `limit` bytes. `what` names the request in the error (`GET /v2/…`).
 */
export async function readBody(res: UpstreamResponse, what: string, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > limit) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).byteLength;
      if (size > limit) break;
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw new UpstreamError('unavailable', `${what}: the body broke after ${size} bytes: ${describeError(err)}`);
  }
  if (size > limit) {
    res.body.destroy();
    throw tooLarge();
  }
  return Buffer.concat(chunks);
}

/** The body as JSON; a body that is not JSON is the upstream answering nonsense (UpstreamError, invalid). */
export async function readJson(res: UpstreamResponse, what: string, limit: number, tooLarge: () => Error): Promise<unknown> {
  const body = await readBody(res, what, limit, tooLarge);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new UpstreamError('invalid', `${what}: the answer is not JSON`);
  }
}
