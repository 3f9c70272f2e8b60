// What a cache fetched from the upstream, read from the upstream's access log: the blob GETs it answered with
// content, counted per blob and turned into bytes with the blob sizes the bench knows.

export interface AccessEntry {
  method: string;
  path: string;
  status: number;
}

export interface UpstreamTraffic {
  bytes: number;
  blobGets: number;
  /** The most times any one blob was fetched: 1 means each blob came from the upstream once. */
  maxFetchesPerBlob: number;
}

const BLOB_PATH = /\/blobs\/(sha256:[0-9a-f]{64})(?:\?|$)/;

export function upstreamTraffic(entries: readonly AccessEntry[], blobSizes: ReadonlyMap<string, number>): UpstreamTraffic {
  const fetches = new Map<string, number>();
  let bytes = 0;
  let blobGets = 0;
  for (const entry of entries) {
    if (entry.method !== 'GET' || entry.status < 200 || entry.status >= 300) continue;
    const digest = BLOB_PATH.exec(entry.path)?.[1];
    if (digest === undefined) continue;
    const size = blobSizes.get(digest);
    if (size === undefined) throw new Error(`upstream served a blob the bench did not push: ${digest}`);
    blobGets++;
    bytes += size;
    fetches.set(digest, (fetches.get(digest) ?? 0) + 1);
  }
  return { bytes, blobGets, maxFetchesPerBlob: Math.max(0, ...fetches.values()) };
}
