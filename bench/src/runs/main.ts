// `pnpm bench:runs`: issue 12's targets over several full runs of the bench (runs/across-runs.ts).
import { parseArgs } from 'node:util';
import type { BenchResults } from '../results.ts';
import { readFullRuns, readRun, resultsDir } from '../write-results.ts';
import { renderAcrossRuns } from './across-runs.ts';

const usage = `pnpm bench:runs [--commit C] [FILE.json ...]
  default: every full run in bench/results/ of the commit the newest full run measured`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { commit: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  let runs: BenchResults[];
  if (positionals.length > 0) {
    runs = await Promise.all(positionals.map(readRun));
  } else {
    const all = await readFullRuns();
    const commit = values.commit ?? all.at(-1)?.commit;
    if (commit === undefined) throw new Error(`the newest full run records no commit; name the runs' files\n${usage}`);
    runs = all.filter((r) => r.commit?.startsWith(commit));
    if (runs.length === 0) throw new Error(`no full run in ${resultsDir} measured commit ${commit}`);
  }
  const quick = runs.filter((r) => r.quick);
  if (quick.length > 0) throw new Error(`quick runs are not records: ${quick.map((r) => r.date).join(', ')}`);
  console.log(renderAcrossRuns(runs));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
