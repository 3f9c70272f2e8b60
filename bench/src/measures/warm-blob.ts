// Measure 1: warm blob GET throughput (MB/s) of one layer at 1, 16 and 64 concurrent clients (wrk), with what each
// load cost the server and the machine (see procfs/load-watch.ts) — Berth's peak RSS under a warm 1 GB layer among it.
import { wrk } from '../load/wrk.ts';
import type { WrkSummary } from '../load/wrk-summary.ts';
import { layer, type SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';
import { watchLoad, type LoadFigures } from '../procfs/load-watch.ts';

export const BLOB_CLIENTS = [1, 16, 64] as const;

export interface BlobLoadFigures {
  megabytesPerSecond: number;
  load: LoadFigures;
}

export async function measureWarmBlob(
  peer: Peer,
  image: SeededImage,
  seconds: number,
  clients: readonly number[] = BLOB_CLIENTS,
): Promise<Record<string, BlobLoadFigures>> {
  const url = `${peer.url}/v2/${image.repo}/blobs/${layer(image).digest}`;
  const results: Record<string, BlobLoadFigures> = {};
  for (const connections of clients) {
    const { result, load } = await watchLoad(peer.pid, () => wrk({ url, connections, seconds }));
    results[String(connections)] = { megabytesPerSecond: checked(peer, result).megabytesPerSecond, load };
  }
  return results;
}

export function checked(peer: Peer, summary: WrkSummary): WrkSummary {
  if (summary.errors > 0) {
    throw new Error(`${peer.name}: ${summary.errors} of ${summary.requests} requests failed under load`);
  }
  return summary;
}
