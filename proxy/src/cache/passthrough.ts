// A blob the store has no room for, streamed from the upstream to the one client that asked, verified on the way:
// with the disk full a pull still succeeds (the cache is there to speed pulls up, not to stop them); only the cache
// write is dropped. It is not shared: a second caller fetches on its own. As with a Fill, the last bytes wait for
// the digest and length to verify, so a client never sees a clean end of wrong bytes.
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hasherFor, type Digest } from '../oci/digest.ts';
import { DigestMismatchError, type ByteRange } from '../store/blobstore.ts';
import type { UpstreamBody } from '../upstream/types.ts';

export class Passthrough {
  private taken = false;

  /** `onClose` runs once the upstream body is done with (read, failed or let go). */
  constructor(
    private readonly body: UpstreamBody,
    private readonly digest: Digest,
    readonly size: number | undefined,
    private readonly onClose: () => void,
  ) {
    // Until a reader pipes it, a failing body must not throw an unhandled 'error'.
    body.on('error', () => undefined);
    body.once('close', onClose);
  }

  /** The bytes (of `range`) for the first caller; undefined for any later one, which must fetch on its own. */
  reader(range?: ByteRange): Readable | undefined {
    if (this.taken) return undefined;
    this.taken = true;
    const out = verifying(this.digest, this.size, range);
    // Either side ending early ends the other: a client that hangs up lets the upstream connection go.
    pipeline(this.body, out).catch(() => undefined);
    return out;
  }
}

/** Passes on the bytes of `range`, hashing all of them, and holds its last chunk until the whole body verified. */
function verifying(digest: Digest, size: number | undefined, range: ByteRange | undefined): Transform {
  const hash = hasherFor(digest);
  const start = range?.start ?? 0;
  const end = range ? range.end + 1 : Infinity;
  let offset = 0;
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      const from = Math.max(0, start - offset);
      const to = Math.min(chunk.byteLength, end - offset);
      offset += chunk.byteLength;
      if (to > from) {
        if (held) this.push(held);
        held = chunk.subarray(from, to);
      }
      callback();
    },
    flush(callback) {
      const actual = `${digest.split(':')[0]}:${hash.digest('hex')}`;
      if (actual !== digest || (size !== undefined && offset !== size)) {
        callback(new DigestMismatchError(digest, `got ${actual}, ${offset} bytes${size === undefined ? '' : ` of ${size}`}`));
        return;
      }
      if (held) this.push(held);
      callback();
    },
  });
}
