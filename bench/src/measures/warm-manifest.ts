// Measure 2: warm manifest GET, by tag and by digest, at 64 clients: requests/s, p50 and p99 latency.
import { wrk } from '../load/wrk.ts';
import type { WrkSummary } from '../load/wrk-summary.ts';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';
import { checked } from './warm-blob.ts';

export const MANIFEST_CLIENTS = 64;

export interface ManifestFigures {
  tag: WrkSummary;
  digest: WrkSummary;
}

export async function measureWarmManifest(peer: Peer, image: SeededImage, seconds: number): Promise<ManifestFigures> {
  const get = async (reference: string) =>
    checked(
      peer,
      await wrk({
        url: `${peer.url}/v2/${image.repo}/manifests/${reference}`,
        connections: MANIFEST_CLIENTS,
        seconds,
        accept: MANIFEST_ACCEPT,
      }),
    );
  return { tag: await get(image.tag), digest: await get(image.manifestDigest) };
}
