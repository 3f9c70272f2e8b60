// Measure 4: 20 concurrent cold skopeo pulls of the 200 MB image through a fresh cache: wall time, and how much the
// cache fetched from the upstream meanwhile (a cache that collapses concurrent misses fetches each blob once).
import type { SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { skopeoPull } from './pull-clients.ts';
import { upstreamTraffic, type AccessEntry, type UpstreamTraffic } from './upstream-traffic.ts';

export const CONCURRENT_PULLS = 20;

export interface ConcurrentPullFigures extends UpstreamTraffic {
  seconds: number;
  pulls: number;
  /** Pulls that failed (distribution is known to break some under concurrent misses); the first error. */
  failedPulls: number;
  firstError?: string;
}

export async function measureConcurrentPulls(
  fresh: PeerFactory,
  image: SeededImage,
  upstream: {
    accessLog(): Promise<AccessEntry[]>;
    waitForAccessLog(done: (entries: AccessEntry[]) => boolean, timeoutMs?: number): Promise<AccessEntry[]>;
  },
): Promise<ConcurrentPullFigures> {
  const peer = await fresh();
  try {
    const before = (await upstream.accessLog()).length;
    const started = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: CONCURRENT_PULLS }, () => skopeoPull(peer, image)));
    const seconds = (performance.now() - started) / 1000;
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length === CONCURRENT_PULLS) throw failed[0]?.reason;
    // The registry logs a request just after answering it: wait (bounded) until every blob shows up once
    // (a peer whose pulls all failed half-way may never fetch some: then the log as it is).
    const fetchedAll = (entries: AccessEntry[]) => {
      const fetched = entries.slice(before).filter((e) => e.method === 'GET' && e.status === 200).map((e) => e.path);
      return image.blobs.every((b) => fetched.some((path) => path.endsWith(`/blobs/${b.digest}`)));
    };
    const entries = (await upstream.waitForAccessLog(fetchedAll, 10_000).catch(() => upstream.accessLog())).slice(before);
    const sizes = new Map(image.blobs.map((b) => [b.digest, b.size]));
    return {
      seconds,
      pulls: CONCURRENT_PULLS,
      failedPulls: failed.length,
      ...(failed[0] ? { firstError: String((failed[0].reason as Error).message).split('\n')[0] } : {}),
      ...upstreamTraffic(entries, sizes),
    };
  } finally {
    await peer.stop();
  }
}
