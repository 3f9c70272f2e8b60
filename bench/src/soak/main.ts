// `pnpm soak`: a bounded run of mixed warm, cold, failing and unauthorised pulls from many clients against one
// real proxy, with its RSS and fds sampled (issue 13). Prints the curve and PASS/FAIL; exits 1 on FAIL, 2 when the
// soak itself could not run. Not a test: the seeded short version is bench/test/soak.test.ts.
import { buildProxy } from '../build-proxy.ts';
import { parseSoakOptions, usage } from './options.ts';
import { renderSoakReport } from './report.ts';
import { FULL_SIZES, SMALL_SIZES } from './sizes.ts';
import { runSoak } from './soak.ts';
import { writeSoakResults } from './write.ts';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage);
    return 0;
  }
  const opts = parseSoakOptions(argv, { full: FULL_SIZES, small: SMALL_SIZES });
  const log = (line: string) => console.error(line);
  if (!opts.noBuild) {
    log('building the proxy (tsc -b proxy)');
    await buildProxy();
  }
  const results = await runSoak(opts, log);
  const markdown = renderSoakReport(results);
  console.log(markdown);
  if (opts.write) for (const file of await writeSoakResults(results, markdown)) log(`wrote ${file}`);
  return results.verdict.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
