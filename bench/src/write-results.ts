// Writes a run to bench/results/<date>.json and bench/results/latest.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from './results.ts';

export const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

/** 2026-11-23T00:12:08.123Z → 2026-11-23T00-12-08Z: sortable, and a valid file name everywhere. */
export function resultFileName(isoDate: string): string {
  return `${isoDate.slice(0, 19).replaceAll(':', '-')}Z.json`;
}

export async function writeResults(results: BenchResults, markdown: string): Promise<string[]> {
  await mkdir(resultsDir, { recursive: true });
  const json = join(resultsDir, resultFileName(results.date));
  const md = join(resultsDir, 'latest.md');
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(md, markdown);
  return [json, md];
}
