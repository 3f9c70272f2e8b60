// The fault injector itself, in front of a tiny in-process origin: each fault does on the wire what it says.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../testbed/wait.ts';
import { exchange } from './exchange.ts';
import { startFaultyUpstream, type FaultyUpstream } from './faulty-upstream.ts';

const BLOB = randomBytes(64 * 1024);
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;
const BLOB_PATH = `/v2/library/app/blobs/${DIGEST}`;

describe('faulty upstream: each fault on the wire', () => {
  let origin: Server;
  let faulty: FaultyUpstream;

  before(async () => {
    origin = createServer((req, res) => {
      if (req.url?.startsWith(BLOB_PATH)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BLOB.byteLength, 'docker-content-digest': DIGEST });
        res.end(req.method === 'HEAD' ? undefined : BLOB);
      } else res.writeHead(404, { 'content-length': 0 }).end();
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    faulty = await startFaultyUpstream(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`);
  });
  afterEach(() => faulty.clear());
  after(async () => {
    await faulty?.close();
    await new Promise((resolve) => origin?.close(resolve));
  });

  it('forwards untouched when no rule matches', async () => {
    faulty.inject({ kind: 'manifest-by-tag', fault: { kind: 'reset' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.status, 200);
    assert.ok(a.body.equals(BLOB));
  });

  it('reset: the connection is reset before any answer', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'reset' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.status, undefined);
    assert.equal(a.error?.code, 'ECONNRESET');
  });

  it('stall-headers: the request is taken and never answered, until the server closes', async () => {
    const other = await startFaultyUpstream(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`);
    other.inject({ kind: 'blob', fault: { kind: 'stall-headers' } });
    let headers = false;
    const pending = exchange(`${other.url}${BLOB_PATH}`, { onHeaders: () => (headers = true) });
    await waitFor(async () => other.requests().length === 1, { what: 'the stalled request to arrive' });
    assert.equal(headers, false);
    await other.close();
    const a = await pending;
    assert.equal(a.status, undefined);
    assert.ok(a.error, 'the client sees the connection end without an answer');
  });

  it('stall-body: headers and half the body, then silence, until the server closes', async () => {
    const other = await startFaultyUpstream(`http://127.0.0.1:${(origin.address() as AddressInfo).port}`);
    other.inject({ kind: 'blob', fault: { kind: 'stall-body' } });
    const got: Buffer[] = [];
    const half = new Promise<void>((resolve) => {
      const req = request(`${other.url}${BLOB_PATH}`, { agent: false }, (res) => {
        res.on('data', (chunk: Buffer) => {
          got.push(chunk);
          if (Buffer.concat(got).byteLength >= BLOB.byteLength / 2) resolve();
        });
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.end();
    });
    await half;
    assert.ok(Buffer.concat(got).equals(BLOB.subarray(0, BLOB.byteLength / 2)));
    await other.close();
  });

  it('wrong-bytes: the same length, every byte different', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'wrong-bytes' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.status, 200);
    assert.equal(Number(a.headers?.['content-length']), BLOB.byteLength);
    assert.equal(a.body.byteLength, BLOB.byteLength);
    for (let i = 0; i < BLOB.byteLength; i++) assert.notEqual(a.body[i], BLOB[i]);
  });

  it('short-body: the promised length, half the bytes, then the connection ends', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'short-body' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.status, 200);
    assert.equal(Number(a.headers?.['content-length']), BLOB.byteLength);
    assert.ok(a.body.equals(BLOB.subarray(0, BLOB.byteLength / 2)));
    assert.ok(a.error, 'the body ends in an error, not cleanly');
  });

  it('status: the status, a registry error body and Retry-After', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'status', status: 429, retryAfter: '7' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.status, 429);
    assert.equal(a.headers?.['retry-after'], '7');
    assert.equal((JSON.parse(a.body.toString()) as { errors: { code: string }[] }).errors[0]?.code, 'TOOMANYREQUESTS');
  });

  it('redirect-loop: to itself, or back and forth between two URLs', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'redirect-loop', via: 'self' } });
    const self = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(self.status, 302);
    assert.equal(self.headers?.location, BLOB_PATH);
    faulty.inject({ kind: 'blob', fault: { kind: 'redirect-loop', via: 'two-urls' } });
    const there = await exchange(`${faulty.url}${BLOB_PATH}?ns=docker.io`);
    assert.equal(there.headers?.location, `${BLOB_PATH}?ns=docker.io&berth-loop=1`);
    const back = await exchange(`${faulty.url}${there.headers?.location}`);
    assert.equal(back.headers?.location, `${BLOB_PATH}?ns=docker.io`);
  });

  it('no-length: the right bytes, chunked, without Content-Length', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'no-length' } });
    const a = await exchange(`${faulty.url}${BLOB_PATH}`);
    assert.equal(a.headers?.['content-length'], undefined);
    assert.equal(a.headers?.['transfer-encoding'], 'chunked');
    assert.ok(a.body.equals(BLOB));
  });

  it('a body fault leaves a HEAD answer alone; `method` and `times` limit a rule', async () => {
    faulty.inject({ kind: 'blob', fault: { kind: 'short-body' } });
    const head = await exchange(`${faulty.url}${BLOB_PATH}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.error, undefined);
    assert.equal(faulty.requests().at(-1)?.fault, undefined, 'recorded as not injected');

    faulty.inject({ kind: 'blob', method: 'HEAD', fault: { kind: 'reset' } });
    assert.equal((await exchange(`${faulty.url}${BLOB_PATH}`)).status, 200);

    faulty.inject({ kind: 'blob', fault: { kind: 'status', status: 503 }, times: 1 });
    const statuses = [await exchange(`${faulty.url}${BLOB_PATH}`), await exchange(`${faulty.url}${BLOB_PATH}`)].map((a) => a.status);
    assert.deepEqual(statuses, [503, 200]);
    const last = faulty.requests().slice(-2);
    assert.deepEqual(last.map((r) => r.fault), ['status', undefined]);
    assert.deepEqual(last.map((r) => r.kind), ['blob', 'blob']);
  });
});
