// Measure 5: 50 clients pull one 1 GB layer at once through a fresh Berth (cold), then 50 pull it again from the same
// Berth (warm). A cache that collapses concurrent misses fetches the blob from the upstream once (counted in the
// upstream's access log), and streams it to the waiting clients about as fast as it serves it warm.
import { layer, type SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { watchLoad, type LoadFigures } from '../procfs/load-watch.ts';
import { concurrentDownloads } from './curl-download.ts';
import { upstreamTraffic, type AccessEntry } from './upstream-traffic.ts';

export const CONCURRENT_PULLS = 50;
/** No client may take longer than this (a 1 GB layer at a few MB/s per client, 50 sharing the machine). */
const MAX_PULL_SECONDS = 900;

export interface ConcurrentPullFigures {
  pulls: number;
  blobBytes: number;
  /** Blob GETs of this layer the upstream answered during the cold pulls (1 when misses are collapsed). */
  upstreamGets: number;
  cold: LoadFigures;
  warm: LoadFigures;
}

export async function measureConcurrentPulls(
  fresh: PeerFactory,
  image: SeededImage,
  upstream: { waitForAccessLog(done: (entries: AccessEntry[]) => boolean, timeoutMs?: number): Promise<AccessEntry[]>; accessLog(): Promise<AccessEntry[]> },
  pulls: number = CONCURRENT_PULLS,
): Promise<ConcurrentPullFigures> {
  const blob = layer(image);
  const peer = await fresh();
  try {
    const url = `${peer.url}/v2/${image.repo}/blobs/${blob.digest}`;
    const before = (await upstream.accessLog()).length;
    const cold = await watchLoad(peer.pid, () => concurrentDownloads(url, pulls, blob.size, MAX_PULL_SECONDS));
    // The registry logs a request just after answering it: wait (bounded) for the first GET of the blob to show.
    const gets = (entries: AccessEntry[]) => upstreamTraffic(entries.slice(before), new Map([[blob.digest, blob.size]])).blobGets;
    const entries = await upstream.waitForAccessLog((e) => gets(e) > 0, 10_000);
    const warm = await watchLoad(peer.pid, () => concurrentDownloads(url, pulls, blob.size, MAX_PULL_SECONDS));
    return { pulls, blobBytes: blob.size, upstreamGets: gets(entries), cold: cold.load, warm: warm.load };
  } finally {
    await peer.stop();
  }
}
