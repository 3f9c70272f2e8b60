import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { sha256Of } from '../oci/digest.ts';
import { bodyOf } from '../upstream/fake.ts';
import { Passthrough } from './passthrough.ts';

describe('Passthrough: one client\'s uncached download', () => {
  const bytes = randomBytes(200_000);
  const digest = sha256Of(bytes);
  const upstream = (content: Buffer) => {
    const stream = new PassThrough();
    // In chunks, as a network delivers them.
    for (let i = 0; i < content.byteLength; i += 16_384) stream.write(content.subarray(i, i + 16_384));
    stream.end();
    return bodyOf(stream);
  };

  it('streams the verified bytes to the first caller, and to no other', async () => {
    let closed = 0;
    const p = new Passthrough(upstream(bytes), digest, bytes.byteLength, () => closed++);
    const reader = p.reader()!;
    assert.equal(p.reader(), undefined, 'a second caller must fetch on its own');
    assert.equal(sha256Of(await buffer(reader)), digest);
    assert.equal(closed, 1);
  });

  it('serves a range, having verified the whole blob', async () => {
    const p = new Passthrough(upstream(bytes), digest, bytes.byteLength, () => undefined);
    const part = await buffer(p.reader({ start: 20_000, end: 50_000 })!);
    assert.ok(part.equals(bytes.subarray(20_000, 50_001)));
  });

  it('wrong bytes or a short body end in an error, never a clean end', async () => {
    const wrong = Buffer.from(bytes);
    wrong[wrong.byteLength - 1]! ^= 0xff;
    await assert.rejects(buffer(new Passthrough(upstream(wrong), digest, bytes.byteLength, () => undefined).reader()!), /does not match/);
    const short = bytes.subarray(0, 100_000);
    await assert.rejects(buffer(new Passthrough(upstream(short), digest, bytes.byteLength, () => undefined).reader()!), /100000 bytes of 200000/);
  });

  it('a reader that goes away lets the upstream body go', async () => {
    const stream = new PassThrough();
    let closed = false;
    const p = new Passthrough(bodyOf(stream), digest, bytes.byteLength, () => (closed = true));
    const reader = p.reader()!;
    stream.write(bytes.subarray(0, 1000));
    reader.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    assert.equal(closed, true);
  });
});
