// `pnpm bench`: Berth's proxy side by side with distribution's pull-through cache and nginx, on loopback.
// Not a test: it prints figures and ratios, and writes them under bench/results/ (see issue 7).
import { runBench } from './bench.ts';
import { buildProxy } from './build-proxy.ts';
import { parseOptions, usage } from './options.ts';
import { renderReport } from './report.ts';
import { writeResults } from './write-results.ts';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage);
    return 0;
  }
  const opts = parseOptions(argv);
  const log = (line: string) => console.error(line);
  if (!opts.noBuild && opts.peers.includes('berth')) {
    log('building the proxy (tsc -b proxy)');
    await buildProxy();
  }
  const results = await runBench(opts, log);
  const markdown = renderReport(results);
  console.log(markdown);
  if (opts.write) {
    for (const file of await writeResults(results, markdown)) log(`wrote ${file}`);
  }
  return results.failures.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
