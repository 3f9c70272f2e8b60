// Measure 1: warm blob GET throughput (MB/s) at 1, 16 and 64 concurrent clients, on the 10 MB layer.
import { wrk } from '../load/wrk.ts';
import type { WrkSummary } from '../load/wrk-summary.ts';
import { layer, type SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';

export const BLOB_CLIENTS = [1, 16, 64] as const;

export async function measureWarmBlob(peer: Peer, image: SeededImage, seconds: number): Promise<Record<string, WrkSummary>> {
  const url = `${peer.url}/v2/${image.repo}/blobs/${layer(image).digest}`;
  const results: Record<string, WrkSummary> = {};
  for (const connections of BLOB_CLIENTS) {
    results[String(connections)] = checked(peer, await wrk({ url, connections, seconds }));
  }
  return results;
}

export function checked(peer: Peer, summary: WrkSummary): WrkSummary {
  if (summary.errors > 0) {
    throw new Error(`${peer.name}: ${summary.errors} of ${summary.requests} requests failed under load`);
  }
  return summary;
}
