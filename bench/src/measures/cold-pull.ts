// Measure 3: a cold pull of the 200 MB image through each cache (a fresh instance, empty storage, per pull), against
// the same pull straight from the upstream. The median of `runs` pulls, to damp a shared machine's noise, with what
// that pull cost the server and the machine.
import { median } from '../stats/percentile.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { watchLoad, type LoadFigures } from '../procfs/load-watch.ts';
import { timedPull, type PullClient } from './pull-clients.ts';

export const PULL_CLIENTS: readonly PullClient[] = ['skopeo', 'containerd'];

export interface ColdPullRun {
  seconds: number;
  load: LoadFigures;
}

export type ColdPullFigures = Record<PullClient, ColdPullRun>;

export async function measureColdPull(fresh: PeerFactory, image: SeededImage, runs: number): Promise<ColdPullFigures> {
  const figures = {} as ColdPullFigures;
  for (const client of PULL_CLIENTS) {
    const done: ColdPullRun[] = [];
    for (let i = 0; i < runs; i++) {
      const peer = await fresh();
      try {
        const { result, load } = await watchLoad(peer.pid, () => timedPull(client, peer, image));
        done.push({ seconds: result, load });
      } finally {
        await peer.stop();
      }
    }
    const seconds = median(done.map((r) => r.seconds));
    figures[client] = done.find((r) => r.seconds === seconds)!;
  }
  return figures;
}
