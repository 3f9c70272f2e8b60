// Measure 4: warm manifest GET, by tag and by digest, at 64 clients: requests/s, p50 and p99 latency, and what the
// load cost the server and the machine.
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

export async function measureWarmManifest(peer: Peer, image: SeededImage, seconds: number): Promise<ManifestFigures> {
  const get = async (reference: string): Promise<ManifestLoad> => {
    const url = `${peer.url}/v2/${image.repo}/manifests/${reference}`;
    const { result, load } = await watchLoad(peer.pid, () => wrk({ url, connections: MANIFEST_CLIENTS, seconds, accept: MANIFEST_ACCEPT }));
    return { summary: checked(peer, result), load };
  };
  return { tag: await get(image.tag), digest: await get(image.manifestDigest) };
}
