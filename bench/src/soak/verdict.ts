// PASS or FAIL for a soak, with every reason: no unexpected answer, no growth of RSS or open fds after the warm-up
// (growth.ts), and no more fds at rest after the load than before it.
import { judgeGrowth, type GrowthRule, type GrowthVerdict } from './growth.ts';
import type { ProcessFigures, SoakSample } from './sampler.ts';

/** Descriptors the proxy may hold at rest after the load beyond those before it (e.g. one more index file handle). */
export const REST_FD_SLACK = 4;

export interface SoakVerdict {
  ok: boolean;
  /** One line per criterion, failed ones first. */
  reasons: string[];
  rss: GrowthVerdict;
  fds: GrowthVerdict;
  restOk: boolean;
}

export function judgeSoak(
  samples: readonly SoakSample[],
  rest: { before: ProcessFigures; after: ProcessFigures },
  unexpected: number,
  rules: { rss: GrowthRule; fds: GrowthRule },
): SoakVerdict {
  const rss = judgeGrowth('RSS', 'MiB', samples.map((s) => ({ t: s.t, value: s.rssMiB })), rules.rss);
  const fds = judgeGrowth('open fds', 'fds', samples.map((s) => ({ t: s.t, value: s.fds })), rules.fds);
  const restOk = rest.after.fds <= rest.before.fds + REST_FD_SLACK;
  const restLine = `fds at rest: ${rest.before.fds} before the load, ${rest.after.fds} after (allowed +${REST_FD_SLACK})` +
    `; RSS at rest ${rest.before.rssMiB.toFixed(1)} → ${rest.after.rssMiB.toFixed(1)} MiB`;
  const answers = unexpected === 0 ? 'every answer was what it should have been' : `${unexpected} unexpected answers (listed below)`;
  const lines: [boolean, string][] = [
    [unexpected === 0, answers],
    [rss.ok, rss.reason],
    [fds.ok, fds.reason],
    [restOk, restLine],
  ];
  return {
    ok: lines.every(([ok]) => ok),
    reasons: [...lines.filter(([ok]) => !ok), ...lines.filter(([ok]) => ok)].map(([ok, line]) => `${ok ? 'ok  ' : 'FAIL'} ${line}`),
    rss,
    fds,
    restOk,
  };
}
