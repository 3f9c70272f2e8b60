// `pnpm bench`: Berth's proxy side by side with distribution's pull-through cache and nginx, on loopback.
// Not a test: it prints figures and ratios, and writes them under bench/results/ (see issue 7).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runBench } from './bench.ts';
import { parseOptions, usage } from './options.ts';
import { run } from './proc.ts';
import { renderReport } from './report.ts';
import { writeResults } from './write-results.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(usage);
    return 0;
  }
  const opts = parseOptions(argv);
  const log = (line: string) => console.error(line);
  if (!opts.noBuild && opts.peers.includes('berth')) {
    log('building the proxy (tsc -b proxy)');
    const tsc = createRequire(`${repoRoot}package.json`).resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-b', 'proxy'], { cwd: repoRoot });
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
