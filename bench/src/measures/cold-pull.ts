// Measure 3: a cold pull of the 200 MB image through each cache (a fresh instance, empty storage, per pull), against
// the same pull straight from the upstream. The median of `runs` pulls, to damp a shared machine's noise.
import { median } from '../stats/percentile.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { timedPull, type PullClient } from './pull-clients.ts';

export const PULL_CLIENTS: readonly PullClient[] = ['skopeo', 'containerd'];

/** Seconds per client. */
export type ColdPullFigures = Record<PullClient, number>;

export async function measureColdPull(fresh: PeerFactory, image: SeededImage, runs: number): Promise<ColdPullFigures> {
  const figures = {} as ColdPullFigures;
  for (const client of PULL_CLIENTS) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const peer = await fresh();
      try {
        times.push(await timedPull(client, peer, image));
      } finally {
        await peer.stop();
      }
    }
    figures[client] = median(times);
  }
  return figures;
}
