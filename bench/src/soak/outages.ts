// Takes the flaky upstream down once per period and brings it back: up for `everyMs - forMs`, down for `forMs`.
// Stopping the outages brings the upstream back up, so the run ends with every upstream serving.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RestartableUpstream } from './restartable-upstream.ts';

export interface Outages {
  /** Outages begun so far. */
  readonly count: () => number;
  stop(): Promise<void>;
}

export function startOutages(upstream: RestartableUpstream, everyMs: number, forMs: number, log: (line: string) => void): Outages {
  const abort = new AbortController();
  let count = 0;
  const pause = (ms: number) => sleep(ms, undefined, { signal: abort.signal }).then(() => true, () => false);
  const loop = async () => {
    while (await pause(everyMs - forMs)) {
      count++;
      log(`flaky upstream: down (outage ${count})`);
      await upstream.stop();
      await pause(forMs);
      await upstream.start();
      log('flaky upstream: up');
    }
  };
  let failure: Error | undefined;
  const done = loop().catch((err: Error) => {
    failure = err;
  });
  return {
    count: () => count,
    async stop() {
      abort.abort();
      await done;
      await upstream.start();
      if (failure) throw failure;
    },
  };
}
