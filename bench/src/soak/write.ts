// Writes a soak where the bench writes its runs: bench/results/soak-<date>.json (everything), soak-<date>.csv (the
// samples) and soak-latest.md (the report).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultFileName, resultsDir } from '../write-results.ts';
import { samplesCsv } from './report.ts';
import type { SoakResults } from './soak.ts';

export async function writeSoakResults(results: SoakResults, markdown: string): Promise<string[]> {
  await mkdir(resultsDir, { recursive: true });
  const base = join(resultsDir, `soak-${resultFileName(results.date).replace(/\.json$/, '')}`);
  const files = [`${base}.json`, `${base}.csv`, join(resultsDir, 'soak-latest.md')];
  await writeFile(files[0]!, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(files[1]!, samplesCsv(results.samples));
  await writeFile(files[2]!, markdown);
  return files;
}
