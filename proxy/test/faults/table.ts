// The matrix as a markdown table, one row per cell: docs/reliability.md shows it with the wait bounds, and the test
// prints it with the waits it measured.
import { DEFAULT_UPSTREAM_TIMEOUTS } from '../../src/upstream/timeouts.ts';
import { SCENARIOS, TARGETS, expectStored, expectedAsks, waitBound, type Outcome, type Target, type WaitBound } from './scenarios.ts';

export interface MatrixRow {
  scenario: string;
  target: Target;
  sees: Outcome;
  bound: WaitBound;
  /** Upstream requests of the faulted kind, or undefined where timing decides. */
  asks: number | undefined;
  stored: 'yes' | 'no' | '—';
  next: string;
  /** Measured, in milliseconds. */
  waitedMs?: number;
}

const seconds = (ms: number) => `${ms / 1000} s`;

/** The bounds with the proxy's default timeouts, as the docs state them. */
const BOUND_TEXT: Record<WaitBound, string> = {
  'at once': 'at once',
  retries: 'retries: 1.4 s of backoff',
  deadline: `≤ deadline (${seconds(DEFAULT_UPSTREAM_TIMEOUTS.deadlineMs)})`,
  'body timeout': `≤ body timeout (${seconds(DEFAULT_UPSTREAM_TIMEOUTS.bodyMs)} of silence)`,
};

/** The rows the table of expectations gives, in order. */
export function expectedRows(): MatrixRow[] {
  return SCENARIOS.flatMap((s) => TARGETS.map((target) => ({
    scenario: s.name, target, sees: s.expected[target], bound: waitBound(s, target), asks: expectedAsks(s, target),
    stored: expectStored(s.expected[target], target), next: 'ok',
  })));
}

export function renderMatrix(rows: readonly MatrixRow[], opts: { measured?: boolean } = {}): string {
  const head = ['scenario', 'target', 'client sees', 'wait bound', ...(opts.measured ? ['waited'] : []), 'upstream asked', 'stored', 'next pull'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const waited = opts.measured ? [r.waitedMs === undefined ? '' : `${(r.waitedMs / 1000).toFixed(2)} s`] : [];
    const cells = [r.scenario, r.target, r.sees, BOUND_TEXT[r.bound], ...waited, r.asks === undefined ? 'as time allows' : String(r.asks), r.stored, r.next];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
