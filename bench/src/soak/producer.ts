// Pushes images upstream during the run, so cold pulls are first fetches: a few cold images wait for the hub and
// private projects at any time, and fresh ones for the flaky project while its upstream is up. Pushing is the
// soak's own work, not the proxy's: a push the flaky upstream cut off is counted, not judged.
import type { Random } from './random.ts';
import type { SoakSizes } from './sizes.ts';
import { pushRandomImage } from './soak-image.ts';
import type { SoakWorld } from './world.ts';

export interface Producer {
  readonly pushed: { cold: number; fresh: number; interrupted: number };
  stop(): Promise<void>;
}

export function startProducer(world: SoakWorld, sizes: SoakSizes, rng: Random, waiting: number, log: (line: string) => void): Producer {
  const pushed = { cold: 0, fresh: 0, interrupted: 0 };
  let running = true;
  let n = 0;
  const loop = async () => {
    while (running) {
      // Fresh images first: they are small, and only an upstream that is up takes them.
      if (world.pools.freshWaiting() < sizes.freshAtStart && world.flaky.timeline.current() === 'up') {
        n++;
        try {
          world.pools.addFresh(await pushRandomImage(world.targets.flaky, `soak/fresh-${n % 8}`, `run-${n}`, sizes.fresh));
          pushed.fresh++;
        } catch {
          pushed.interrupted++;
        }
        continue;
      }
      const project = world.pools.coldWaiting('hub') < waiting ? 'hub' : world.pools.coldWaiting('private') < Math.ceil(waiting / 2) ? 'private' : undefined;
      if (project) {
        n++;
        const layers = rng.pick(sizes.cold);
        const image = await pushRandomImage(world.targets[project], `soak/cold-${n % 16}`, `c${n}`, layers);
        // Some images are asked for by two or three clients at once: their misses should be one upstream fetch.
        world.pools.addCold(project, image, rng.pick([1, 1, 1, 2, 3]));
        pushed.cold++;
        continue;
      }
      await world.pools.waitForDemand(500);
    }
  };
  let failure: Error | undefined;
  const done = loop().catch((err: Error) => {
    failure = err;
    log(`the producer stopped: ${err.message}`);
  });
  return {
    pushed,
    /** Rejects with the producer's own failure (an upstream that refused a push), which ends the soak as broken. */
    async stop() {
      running = false;
      await done;
      if (failure) throw failure;
    },
  };
}
