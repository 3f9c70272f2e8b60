// Measure 4: warm manifest GET, by tag and by digest, at 64 clients: requests/s, p50 and p99 latency, and what the
// load cost the server and the machine. The same load on a bare Node server (peers/bare-node-server.ts) is the
// machine check: the machine's speed for request-bound work moves between days, Berth's share of bare Node less.
import { wrk } from '../load/wrk.ts';
import type { WrkSummary } from '../load/wrk-summary.ts';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';
import { watchLoad, type LoadFigures } from '../procfs/load-watch.ts';
import { checked } from './warm-blob.ts';

export const MANIFEST_CLIENTS = 64;

export interface ManifestLoad {
  summary: WrkSummary;
  load: LoadFigures;
}

export interface ManifestFigures {
  tag: ManifestLoad;
  digest: ManifestLoad;
}

/** One load of `image`'s manifest by `reference` (a tag or its digest). */
export async function measureManifestLoad(peer: Peer, image: SeededImage, reference: string, seconds: number): Promise<ManifestLoad> {
  const url = `${peer.url}/v2/${image.repo}/manifests/${reference}`;
  const { result, load } = await watchLoad(peer.pid, () => wrk({ url, connections: MANIFEST_CLIENTS, seconds, accept: MANIFEST_ACCEPT }));
  return { summary: checked(peer, result), load };
}

export async function measureWarmManifest(peer: Peer, image: SeededImage, seconds: number): Promise<ManifestFigures> {
  return { tag: await measureManifestLoad(peer, image, image.tag, seconds), digest: await measureManifestLoad(peer, image, image.manifestDigest, seconds) };
}
