// Command-line options of `pnpm bench`.
import { parseArgs } from 'node:util';
import type { CachePeerName } from './results.ts';

export const MEASURES = ['warm-blob', 'manifest', 'cold-pull', 'concurrent', 'rss'] as const;
export type MeasureName = (typeof MEASURES)[number];

export interface BenchOptions {
  quick: boolean;
  peers: CachePeerName[];
  measures: MeasureName[];
  /** Seconds of each wrk load. */
  loadSeconds: number;
  /** Cold pulls per client and peer; the median is reported. */
  runs: number;
  /** At most this long for the peak-RSS streaming; the clients are stopped then. */
  rssSeconds: number;
  /** Skip `tsc -b proxy` (the dist is already built). */
  noBuild: boolean;
  /** Write results/<date>.json and results/latest.md (default for a full run). */
  write: boolean;
}

export const usage = `pnpm bench [--quick] [--peers berth,distribution,nginx] [--only ${MEASURES.join(',')}]
           [--seconds N] [--runs N] [--rss-seconds N] [--no-build] [--no-write]`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
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
      'rss-seconds': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  return {
    quick,
    peers: list(values.peers, ['berth', 'distribution', 'nginx'] as const, 'peer'),
    measures: list(values.only, MEASURES, 'measure'),
    loadSeconds: positive(values.seconds, quick ? 3 : 4, 'seconds'),
    runs: positive(values.runs, quick ? 1 : 3, 'runs'),
    rssSeconds: positive(values['rss-seconds'], quick ? 30 : 90, 'rss-seconds'),
    noBuild: values['no-build'] === true,
    write: !quick && values['no-write'] !== true,
  };
}
