// Command-line options of `pnpm soak`, and the defaults a full soak runs with.
import { parseArgs } from 'node:util';
import { parseDuration } from '@berth/contracts/proxy-config';
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

/**
 * Under this load the proxy's RSS swings by ±30 MiB between samples (Buffers of blobs in flight, the GC), and the
 * open fds by ±15 (client and upstream connections): a 10-minute run on a shared machine can tell a leak of about
 * 3 MiB/min (180 MiB an hour) from that noise, not much less. See docs/contributing.md.
 */
export const DEFAULT_RSS_RULE: GrowthRule = { absolute: 16, relative: 0.05, slopePerMinute: 3 };
export const DEFAULT_FDS_RULE: GrowthRule = { absolute: 8, relative: 0.1, slopePerMinute: 3 };

export const MAX_DURATION_MS = 60 * 60_000;

export const usage = `pnpm soak [--duration 8m] [--clients 64] [--seed 13] [--sample 2s] [--think 1s]
          [--outage-every 60s] [--outage-for 20s] [--only KIND,…] [--small] [--no-build] [--no-write]
kinds: ${PULL_KINDS.join(', ')}`;

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

/** `--only warm,cold`: those kinds with their default weights, the others not at all (to narrow down a FAIL). */
function onlyWeights(value: string | undefined): Readonly<Record<PullKind, number>> {
  if (value === undefined) return DEFAULT_WEIGHTS;
  const kinds = value.split(',').filter(Boolean);
  for (const kind of kinds) if (!(PULL_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown kind "${kind}"; one of ${PULL_KINDS.join(', ')}`);
  if (kinds.length === 0) throw new Error('--only needs at least one kind');
  return Object.fromEntries(PULL_KINDS.map((k) => [k, kinds.includes(k) ? DEFAULT_WEIGHTS[k] : 0])) as Record<PullKind, number>;
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
      only: { type: 'string' },
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
    sampleMs: duration(values.sample, 2_000, 'sample'),
    thinkMs: values.think === '0' ? 0 : duration(values.think, 1_000, 'think'),
    outageEveryMs,
    outageForMs,
    sizes: values.small ? sizes.small : sizes.full,
    weights: onlyWeights(values.only),
    rss: DEFAULT_RSS_RULE,
    fds: DEFAULT_FDS_RULE,
    fromSource: false,
    noBuild: values['no-build'] === true,
    write: values['no-write'] !== true,
  };
}
