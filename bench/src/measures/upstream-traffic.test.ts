import assert from 'node:assert/strict';
import { upstreamTraffic } from './upstream-traffic.ts';

const a = `sha256:${'a'.repeat(64)}`;
const b = `sha256:${'b'.repeat(64)}`;
const sizes = new Map([
  [a, 1000],
  [b, 10],
]);

describe('upstreamTraffic', () => {
  it('counts the blob GETs answered with content, in bytes and per blob', () => {
    const traffic = upstreamTraffic(
      [
        { method: 'GET', path: `/v2/library/big/manifests/v1`, status: 200 },
        { method: 'GET', path: `/v2/library/big/blobs/${a}`, status: 200 },
        { method: 'GET', path: `/v2/library/big/blobs/${a}?ns=docker.io`, status: 200 },
        { method: 'HEAD', path: `/v2/library/big/blobs/${b}`, status: 200 },
        { method: 'GET', path: `/v2/library/big/blobs/${b}`, status: 307 },
        { method: 'GET', path: `/v2/library/big/blobs/${b}`, status: 200 },
      ],
      sizes,
    );
    assert.deepEqual(traffic, { bytes: 2010, blobGets: 3, maxFetchesPerBlob: 2 });
  });

  it('reports nothing fetched as zero, and an unknown blob as an error', () => {
    assert.deepEqual(upstreamTraffic([], sizes), { bytes: 0, blobGets: 0, maxFetchesPerBlob: 0 });
    assert.throws(
      () => upstreamTraffic([{ method: 'GET', path: `/v2/x/blobs/sha256:${'c'.repeat(64)}`, status: 200 }], sizes),
      /did not push/,
    );
  });
});
