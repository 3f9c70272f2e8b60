// One soak: the real parts up and warm, then for the run's duration many clients pulling a weighted mix while the
// flaky upstream goes down and comes back, images are pushed for cold pulls, and the proxy's RSS and fds are
// sampled. Ends with the proxy at rest, and the verdict.
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineInfo } from '../machine.ts';
import type { MachineInfo } from '../results.ts';
import { Ledger, type FailureGroup, type KindTally } from './ledger.ts';
import { runPull, type ClientContext } from './kinds.ts';
import type { SoakOptions } from './options.ts';
import { startOutages } from './outages.ts';
import { startProducer } from './producer.ts';
import { seededRandom } from './random.ts';
import { figuresAtRest } from './rest.ts';
import { startSampler, type ProcessFigures, type SoakSample } from './sampler.ts';
import { judgeSoak, type SoakVerdict } from './verdict.ts';
import { startWorld } from './world.ts';

export interface SoakResults {
  /** ISO time the run started. */
  date: string;
  machine: MachineInfo;
  options: Omit<SoakOptions, 'fromSource'>;
  /** Seconds of load (the set-up and the rest afterwards not counted). */
  seconds: number;
  samples: SoakSample[];
  rest: { before: ProcessFigures; after: ProcessFigures };
  requests: number;
  bytes: number;
  kinds: Record<string, KindTally>;
  outages: number;
  pushed: { cold: number; fresh: number; interrupted: number };
  failures: FailureGroup[];
  verdict: SoakVerdict;
}

export type Log = (line: string) => void;

export async function runSoak(opts: SoakOptions, log: Log): Promise<SoakResults> {
  const date = new Date().toISOString();
  log(`starting the upstreams and the proxy (${opts.fromSource ? 'from source' : 'built dist'})`);
  const world = await startWorld({ sizes: opts.sizes, fromSource: opts.fromSource, log });
  try {
    const pid = world.proxy.pid!;
    const before = await figuresAtRest(pid);
    log(`proxy pid ${pid} at rest: ${before.rssMiB.toFixed(1)} MiB, ${before.fds} fds; ${opts.clients} clients for ${opts.durationMs / 1000} s`);
    const startedMs = performance.now();
    const ledger = new Ledger(startedMs);
    const sampler = startSampler(pid, ledger, opts.sampleMs, startedMs, () => world.flaky.timeline.current(), (s) =>
      log(`t=${s.t}s rss=${s.rssMiB.toFixed(1)}MiB fds=${s.fds} req/s=${Math.round(s.requestsPerSecond)} unexpected=${s.unexpected} flaky=${s.flaky}`));
    const outages = startOutages(world.flaky, opts.outageEveryMs, opts.outageForMs, log);
    const producer = startProducer(world, opts.sizes, seededRandom(opts.seed), Math.max(2, Math.ceil(opts.clients / 16)), log);
    const deadline = startedMs + opts.durationMs;
    const agents: Agent[] = [];
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 3 });
      agents.push(agent);
      const ctx: ClientContext = { agent, base: new URL(world.proxy.url), ledger, rng: seededRandom(opts.seed * 1000 + i + 1), world };
      return runClient(ctx, opts, deadline);
    }));
    const seconds = (performance.now() - startedMs) / 1000;
    for (const agent of agents) agent.destroy();
    // All three stop whatever one of them says (the outages bring the flaky upstream back); then the first failure.
    const stopped = await Promise.allSettled([sampler.stop(), outages.stop(), producer.stop()]);
    const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    log('load over; waiting for the proxy to come to rest');
    const after = await figuresAtRest(pid);
    const { fromSource: _, ...recorded } = opts;
    return {
      date,
      machine: machineInfo(),
      options: recorded,
      seconds,
      samples: sampler.samples,
      rest: { before, after },
      requests: ledger.requests,
      bytes: ledger.bytes,
      kinds: Object.fromEntries(ledger.kinds),
      outages: outages.count(),
      pushed: producer.pushed,
      failures: ledger.failures(),
      verdict: judgeSoak(sampler.samples, { before, after }, ledger.unexpected, opts),
    };
  } finally {
    log('stopping the proxy and the upstreams');
    await world.stop();
  }
}

async function runClient(ctx: ClientContext, opts: SoakOptions, deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    await runPull(ctx.rng.weighted(opts.weights), ctx);
    const left = deadline - performance.now();
    if (opts.thinkMs > 0 && left > 0) await sleep(Math.min(left, ctx.rng.exponential(opts.thinkMs)));
  }
}
