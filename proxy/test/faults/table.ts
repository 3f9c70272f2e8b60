// The matrix as a markdown table, one row per cell: docs/reliability.md shows it with the wait bounds, and the test
// prints it with the waits it measured.
import { DEFAULT_UPSTREAM_TIMEOUTS, type UpstreamTimeouts } from '../../src/upstream/timeouts.ts';
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

/** The bounds with these timeouts (the docs: the proxy's defaults). */
function boundText(bound: WaitBound, timeouts: Pick<UpstreamTimeouts, 'deadlineMs' | 'bodyMs'>): string {
  switch (bound) {
    case 'at once': return 'at once';
    case 'retries': return 'retries: 1.4 s of backoff';
    case 'deadline': return `≤ deadline (${seconds(timeouts.deadlineMs)})`;
    case 'body timeout': return `≤ body timeout (${seconds(timeouts.bodyMs)} of silence)`;
  }
}

/** The rows the table of expectations gives, in order. */
export function expectedRows(): MatrixRow[] {
  return SCENARIOS.flatMap((s) => TARGETS.map((target) => ({
    scenario: s.name, target, sees: s.expected[target], bound: waitBound(s, target), asks: expectedAsks(s, target),
    stored: expectStored(s.expected[target], target), next: 'ok',
  })));
}

export interface RenderOptions {
  /** Adds the measured waits. */
  measured?: boolean;
  /** The timeouts the bounds are given in; default the proxy's defaults. */
  timeouts?: Pick<UpstreamTimeouts, 'deadlineMs' | 'bodyMs'>;
}

export function renderMatrix(rows: readonly MatrixRow[], opts: RenderOptions = {}): string {
  const timeouts = opts.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS;
  const head = ['scenario', 'target', 'client sees', 'wait bound', ...(opts.measured ? ['waited'] : []), 'upstream asked', 'stored', 'next pull'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const r of rows) {
    const waited = opts.measured ? [r.waitedMs === undefined ? '' : `${(r.waitedMs / 1000).toFixed(2)} s`] : [];
    const cells = [r.scenario, r.target, r.sees, boundText(r.bound, timeouts), ...waited, r.asks === undefined ? 'as time allows' : String(r.asks), r.stored, r.next];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One containerd pull of the matrix: what ctr ended with, and how long it took. */
export interface ContainerdRow {
  scenario: string;
  faulted: 'every blob GET' | 'first blob GET';
  result: string;
  waitedMs: number;
}

export function renderContainerd(rows: readonly ContainerdRow[]): string {
  const lines = ['| scenario | faulted | ctr pull ends with | waited |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.faulted} | ${r.result.replace(/\|/g, '\\|')} | ${(r.waitedMs / 1000).toFixed(2)} s |`);
  return lines.join('\n');
}
