// Measure 3: a cold pull of the 200 MB image through each cache (a fresh instance, empty storage, per pull), against
// the same pull straight from the upstream, with what each pull cost the server and the machine.
// - Rounds interleave the peers (direct, Berth, distribution, then again), so a shared machine's drift over the
//   minutes of the measure falls on every peer alike instead of on whichever ran last; the median of `runs` is kept.
// - Before its timed pull, each server serves another image once (the small one): the measure is a running cache
//   meeting an image it has not seen, as in a cluster, not a process's first request (JavaScript not yet compiled,
//   connections not yet open), which only the first pull after a start pays.
import { median } from '../stats/percentile.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { watchLoad, type LoadFigures } from '../procfs/load-watch.ts';
import type { PullPeerName } from '../results.ts';
import { timedPull, type PullClient } from './pull-clients.ts';
import { warmUp } from './warm-up.ts';

export const PULL_CLIENTS: readonly PullClient[] = ['skopeo', 'containerd'];

export interface ColdPullRun {
  seconds: number;
  load: LoadFigures;
}

export type ColdPullFigures = Record<PullClient, ColdPullRun>;

export interface ColdPullResults {
  figures: Partial<Record<PullPeerName, ColdPullFigures>>;
  /** A peer whose pull failed: what failed; it is left out of the later rounds. */
  failures: string[];
}

/** One timed pull through a fresh instance of a peer. */
export type ColdPull = (fresh: PeerFactory, client: PullClient, image: SeededImage, before: SeededImage) => Promise<ColdPullRun>;

const timedColdPull: ColdPull = async (fresh, client, image, before) => {
  const peer = await fresh();
  try {
    await warmUp(peer, before);
    const { result, load } = await watchLoad(peer.pid, () => timedPull(client, peer, image));
    return { seconds: result, load };
  } finally {
    await peer.stop();
  }
};

/** `before`: the image each fresh server serves first, other than `image`. */
export async function measureColdPulls(
  peers: Partial<Record<PullPeerName, PeerFactory>>,
  image: SeededImage,
  before: SeededImage,
  runs: number,
  pull: ColdPull = timedColdPull,
): Promise<ColdPullResults> {
  const done = new Map<string, ColdPullRun[]>();
  /** The pulls through one peer with one client so far. */
  const runsOf = (name: PullPeerName, client: PullClient): ColdPullRun[] => {
    const key = `${name} ${client}`;
    if (!done.has(key)) done.set(key, []);
    return done.get(key)!;
  };
  const failed = new Map<PullPeerName, string>();
  for (let round = 0; round < runs; round++) {
    for (const client of PULL_CLIENTS) {
      for (const [name, fresh] of Object.entries(peers) as [PullPeerName, PeerFactory][]) {
        if (failed.has(name)) continue;
        try {
          runsOf(name, client).push(await pull(fresh, client, image, before));
        } catch (err) {
          failed.set(name, `cold pull through ${name} (${client}): ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
  }
  const figures: ColdPullResults['figures'] = {};
  for (const name of Object.keys(peers) as PullPeerName[]) {
    if (failed.has(name)) continue;
    const runOf = (client: PullClient) => {
      const all = runsOf(name, client);
      const seconds = median(all.map((r) => r.seconds));
      return all.find((r) => r.seconds === seconds)!;
    };
    figures[name] = { skopeo: runOf('skopeo'), containerd: runOf('containerd') };
  }
  return { figures, failures: [...failed.values()] };
}
