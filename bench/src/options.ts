// Command-line options of `pnpm bench`.
import { parseArgs } from 'node:util';
import type { CachePeerName } from './results.ts';

/**
 * Every measure. `kubelet` starts the local cluster's real node under the machine-wide lock (waiting for it), so a
 * quick run leaves it out unless asked by name.
 */
export const MEASURES = ['warm-blob', 'manifest', 'cold-pull', 'concurrent', 'storage', 'kubelet'] as const;
export type MeasureName = (typeof MEASURES)[number];
const QUICK_MEASURES: readonly MeasureName[] = MEASURES.filter((m) => m !== 'kubelet');

export interface BenchOptions {
  quick: boolean;
  peers: CachePeerName[];
  measures: MeasureName[];
  /** Seconds of each wrk load. */
  loadSeconds: number;
  /** Cold pulls per client and peer (and kubelet pulls per kind); the median is reported. */
  runs: number;
  /** Concurrent clients of the warm blob loads. */
  blobClients: number[];
  /** Clients pulling the 1 GB layer at once, cold then warm. */
  concurrentPulls: number;
  /** Skip `tsc -b proxy` (the dist is already built). */
  noBuild: boolean;
  /** Write results/<date>.json and results/latest.md (default for a full run). */
  write: boolean;
}

export const usage = `pnpm bench [--quick] [--peers berth,distribution,nginx] [--only ${MEASURES.join(',')}]
           [--seconds N] [--runs N] [--no-build] [--no-write]
  default: every measure; --quick leaves out kubelet (it starts the local cluster under the machine-wide lock)`;

/** What a quick run shrinks, said in its report's header. */
export const QUICK_NOTE =
  'one 50 MB layer stands in for the 100 MB and 1 GB ones, 5 MB layers for the 200 MB image, 2 s loads at 16 and 64 clients, 16 concurrent pulls, no kubelet pulls unless asked';

function list<T extends string>(value: string | undefined, allowed: readonly T[], fallback: readonly T[], what: string): T[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}"; one of ${allowed.join(', ')}`);
  return items as T[];
}

function positive(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${what} must be a positive number, not "${value}"`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      peers: { type: 'string' },
      only: { type: 'string' },
      seconds: { type: 'string' },
      runs: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const peers = ['berth', 'distribution', 'nginx'] as const;
  return {
    quick,
    peers: list(values.peers, peers, peers, 'peer'),
    measures: list(values.only, MEASURES, quick ? QUICK_MEASURES : MEASURES, 'measure'),
    loadSeconds: positive(values.seconds, quick ? 2 : 5, 'seconds'),
    runs: positive(values.runs, quick ? 1 : 5, 'runs'),
    blobClients: quick ? [16, 64] : [1, 16, 64],
    concurrentPulls: quick ? 16 : 50,
    noBuild: values['no-build'] === true,
    write: !quick && values['no-write'] !== true,
  };
}
