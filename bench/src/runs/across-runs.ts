// Issue 12's targets read over several full runs: how many runs met each, the median figure, and every run's figure.
// On this shared machine a cold ratio moves ±0.15 between runs of the same commit, so one run's verdict on a bound
// that a target straddles says more about the machine's hour than about Berth; several runs say where it sits.
import { table } from '../report.ts';
import type { BenchResults } from '../results.ts';
import { median } from '../stats/percentile.ts';
import { checkTargets, showFigure } from '../targets.ts';

export interface TargetOverRuns {
  target: string;
  unit: string;
  /** Each run's figure, in the runs' order; undefined where a run did not measure it. */
  values: (number | undefined)[];
  /** Runs that met the bound, of those that measured it; undefined for a row that only reports a figure. */
  met: number | undefined;
}

/** The targets of `runs` (full runs, oldest first), each with its figure in every run. */
export function targetsOverRuns(runs: readonly BenchResults[]): TargetOverRuns[] {
  const rows = new Map<string, TargetOverRuns>();
  runs.forEach((run, i) => {
    for (const check of checkTargets(run)) {
      const row = rows.get(check.target) ?? { target: check.target, unit: check.unit, values: Array<number | undefined>(runs.length).fill(undefined), met: undefined };
      row.values[i] = check.value;
      if (check.met !== 'figure') row.met = (row.met ?? 0) + (check.met === true ? 1 : 0);
      rows.set(check.target, row);
    }
  });
  return [...rows.values()];
}

const runName = (r: BenchResults) => `${r.date.slice(0, 16).replace('T', ' ')} UTC${r.commit ? ` (${r.commit})` : ''}`;

export function renderAcrossRuns(runs: readonly BenchResults[]): string {
  const rows = targetsOverRuns(runs).map((row) => {
    const measured = row.values.filter((v): v is number => v !== undefined);
    const met = row.met === undefined ? 'figure only' : `${row.met} of ${measured.length}`;
    const mid = measured.length > 0 ? median(measured) : undefined;
    const each = row.values.map((v) => (v === undefined ? '—' : showFigure(v, '')));
    return [row.target, met, showFigure(mid, row.unit), each.join(' · ')];
  });
  return [
    `## Issue 12's targets over ${runs.length} full run${runs.length === 1 ? '' : 's'}`,
    `Runs, in order: ${runs.map(runName).join('; ')}. The median is nearest-rank (a figure some run measured).`,
    table(['target', 'runs met', 'median', 'each run'], rows),
  ].join('\n\n') + '\n';
}
