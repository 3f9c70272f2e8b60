// Command-line options of `pnpm soak`, and the defaults a full soak runs with.
import { parseArgs } from 'node:util';
import { parseDuration } from '@berth/proxy/config';
import type { GrowthRule } from './growth.ts';
import type { SoakSizes } from './sizes.ts';

/** What a soak client does in one round, with how often (weights, not percentages). */
export const PULL_KINDS = ['warm', 'warm-protected', 'warm-flaky', 'cold', 'flaky-fresh', 'missing-tag', 'missing-repo', 'unauthorised', 'cross-project'] as const;
export type PullKind = (typeof PULL_KINDS)[number];

export const DEFAULT_WEIGHTS: Readonly<Record<PullKind, number>> = {
  warm: 34, 'warm-protected': 12, 'warm-flaky': 10, cold: 8, 'flaky-fresh': 4,
  'missing-tag': 8, 'missing-repo': 8, unauthorised: 10, 'cross-project': 6,
};

export interface SoakOptions {
  durationMs: number;
  clients: number;
  seed: number;
  /** How often the proxy's RSS and fds are read. */
  sampleMs: number;
  /** Mean pause of a client between two pulls (exponential): nodes do not pull back to back. */
  thinkMs: number;
  /** The flaky upstream goes down once per period, for `outageForMs`, starting `outageEveryMs - outageForMs` in. */
  outageEveryMs: number;
  outageForMs: number;
  sizes: SoakSizes;
  weights: Readonly<Record<PullKind, number>>;
  rss: GrowthRule;
  fds: GrowthRule;
  /** Run the proxy from proxy/src through tsx (tests) instead of the built dist. */
  fromSource: boolean;
}

export interface SoakCliOptions extends SoakOptions {
  noBuild: boolean;
  write: boolean;
}

/** RSS: the median may grow 8 MiB or 5 %, the slope after warm-up may be 1 MiB/min (see docs/contributing.md). */
export const DEFAULT_RSS_RULE: GrowthRule = { absolute: 8, relative: 0.05, slopePerMinute: 1 };
export const DEFAULT_FDS_RULE: GrowthRule = { absolute: 8, relative: 0.1, slopePerMinute: 2 };

export const MAX_DURATION_MS = 60 * 60_000;

export const usage = `pnpm soak [--duration 8m] [--clients 64] [--seed 13] [--sample 5s] [--think 250ms]
          [--outage-every 60s] [--outage-for 20s] [--small] [--no-build] [--no-write]`;

function duration(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new Error(`--${what} must be a duration like 30s or 8m, not "${value}"`);
  return ms;
}

function count(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a whole number ≥ 1, not "${value}"`);
  return n;
}

export function parseSoakOptions(argv: string[], sizes: { full: SoakSizes; small: SoakSizes }): SoakCliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      clients: { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      think: { type: 'string' },
      'outage-every': { type: 'string' },
      'outage-for': { type: 'string' },
      small: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const durationMs = duration(values.duration, 8 * 60_000, 'duration');
  if (durationMs > MAX_DURATION_MS) throw new Error(`--duration is at most 60m (a soak is a bounded run), not ${values.duration}`);
  const outageEveryMs = duration(values['outage-every'], 60_000, 'outage-every');
  const outageForMs = duration(values['outage-for'], 20_000, 'outage-for');
  if (outageForMs >= outageEveryMs) throw new Error('--outage-for must be shorter than --outage-every');
  const seed = values.seed === undefined ? 13 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not "${values.seed}"`);
  return {
    durationMs,
    clients: count(values.clients, 64, 'clients'),
    seed,
    sampleMs: duration(values.sample, 5_000, 'sample'),
    thinkMs: values.think === '0' ? 0 : duration(values.think, 250, 'think'),
    outageEveryMs,
    outageForMs,
    sizes: values.small ? sizes.small : sizes.full,
    weights: DEFAULT_WEIGHTS,
    rss: DEFAULT_RSS_RULE,
    fds: DEFAULT_FDS_RULE,
    fromSource: false,
    noBuild: values['no-build'] === true,
    write: values['no-write'] !== true,
  };
}
