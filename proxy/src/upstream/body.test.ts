import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { UpstreamError } from './errors.ts';
import { bodyOf } from './fake.ts';
import { readBody, readJson } from './body.ts';
import type { UpstreamResponse } from './types.ts';

const response = (chunks: (Buffer | Error)[], headers: Record<string, string> = {}): UpstreamResponse => {
  const stream = new PassThrough();
  for (const c of chunks) {
    if (c instanceof Error) stream.destroy(c);
    else stream.write(c);
  }
  if (!chunks.some((c) => c instanceof Error)) stream.end();
  return { status: 200, headers, body: bodyOf(stream) };
};
const tooLarge = () => new Error('too large');

describe('readBody and readJson', () => {
  it('reads the whole body', async () => {
    assert.equal((await readBody(response([Buffer.from('ab'), Buffer.from('cd')]), 'GET x', 10, tooLarge)).toString(), 'abcd');
  });

  it('refuses a declared length past the limit without reading, and a body that grows past it', async () => {
    await assert.rejects(readBody(response([], { 'content-length': '11' }), 'GET x', 10, tooLarge), /too large/);
    await assert.rejects(readBody(response([Buffer.alloc(6), Buffer.alloc(6)]), 'GET x', 10, tooLarge), /too large/);
  });

  it('a body that breaks is the upstream failing (unavailable), naming the request and the bytes read', async () => {
    const res = response([Buffer.from('abc'), new Error('ECONNRESET')]);
    await assert.rejects(readBody(res, 'GET /v2/app/manifests/v1', 10, tooLarge), (e: unknown) =>
      e instanceof UpstreamError && e.kind === 'unavailable' && /GET \/v2\/app\/manifests\/v1: the body broke/.test(e.message));
  });

  it('JSON that is not JSON is the upstream answering nonsense (invalid)', async () => {
    assert.deepEqual(await readJson(response([Buffer.from('{"a":1}')]), 'GET x', 10, tooLarge), { a: 1 });
    await assert.rejects(readJson(response([Buffer.from('<html>')]), 'GET x', 10, tooLarge), (e: unknown) => e instanceof UpstreamError && e.kind === 'invalid');
  });
});
