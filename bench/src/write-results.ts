// Writes a run to bench/results/<date>.json and bench/results/latest.md, and reads the runs written there back.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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

/** One run's results file. */
export async function readRun(file: string): Promise<BenchResults> {
  return JSON.parse(await readFile(file, 'utf8')) as BenchResults;
}

/** The full runs in bench/results/, oldest first (the files are named by their start time; soak files aside). */
export async function readFullRuns(): Promise<BenchResults[]> {
  const files = (await readdir(resultsDir)).filter((f) => /^\d{4}-.*Z\.json$/.test(f)).sort();
  const runs = await Promise.all(files.map((f) => readRun(join(resultsDir, f))));
  return runs.filter((r) => !r.quick);
}
