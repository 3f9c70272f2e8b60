// Samples the proxy process every few seconds: resident memory (VmRSS, the kernel's figure), open file descriptors
// (entries of /proc/PID/fd: sockets, store files, the index), and, from the ledger, the requests answered and the
// unexpected answers since the last sample.
import { readdir } from 'node:fs/promises';
import { readMemoryStatus } from '../measures/proc-status.ts';
import type { Ledger } from './ledger.ts';
import type { UpstreamState } from './timeline.ts';

export interface SoakSample {
  /** Seconds since the soak started. */
  t: number;
  rssMiB: number;
  fds: number;
  requestsPerSecond: number;
  /** Unexpected answers since the previous sample. */
  unexpected: number;
  /** The flaky upstream at the time of the sample. */
  flaky: UpstreamState;
}

export interface ProcessFigures {
  rssMiB: number;
  fds: number;
}

export async function readProcessFigures(pid: number): Promise<ProcessFigures> {
  const [memory, fds] = await Promise.all([readMemoryStatus(pid), readdir(`/proc/${pid}/fd`)]);
  return { rssMiB: memory.vmRssBytes / 1024 ** 2, fds: fds.length };
}

export interface Sampler {
  readonly samples: SoakSample[];
  /** Takes a last sample and stops. */
  stop(): Promise<void>;
}

export function startSampler(pid: number, ledger: Ledger, everyMs: number, startedMs: number, flaky: () => UpstreamState, onSample: (s: SoakSample) => void): Sampler {
  const samples: SoakSample[] = [];
  let last = { atMs: startedMs, requests: ledger.requests, unexpected: ledger.unexpected };
  let taking: Promise<void> = Promise.resolve();
  const take = async () => {
    const figures = await readProcessFigures(pid);
    const atMs = performance.now();
    const sample: SoakSample = {
      t: Math.round((atMs - startedMs) / 100) / 10,
      ...figures,
      requestsPerSecond: ((ledger.requests - last.requests) * 1000) / Math.max(1, atMs - last.atMs),
      unexpected: ledger.unexpected - last.unexpected,
      flaky: flaky(),
    };
    last = { atMs, requests: ledger.requests, unexpected: ledger.unexpected };
    samples.push(sample);
    onSample(sample);
  };
  let failure: Error | undefined;
  const timer = setInterval(() => {
    taking = taking.then(take).catch((err: Error) => {
      failure ??= err;
    });
  }, everyMs);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await taking;
      // The end of the load, unless a sample was just taken.
      const lastT = samples[samples.length - 1]?.t ?? 0;
      if ((performance.now() - startedMs) / 1000 - lastT >= everyMs / 2000) await take();
      if (failure) throw new Error(`sampling the proxy (pid ${pid}) failed: ${failure.message}`);
    },
  };
}
