// Runs wrk against one URL: C connections, enough threads to keep them busy on this machine, a fixed duration.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../proc.ts';
import { wrkReportScript } from './wrk-script.ts';
import { parseWrkOutput, type WrkSummary } from './wrk-summary.ts';

export interface WrkOptions {
  url: string;
  connections: number;
  seconds: number;
  accept?: string;
}

export async function wrk(opts: WrkOptions): Promise<WrkSummary> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-wrk-'));
  try {
    const script = join(dir, 'report.lua');
    await writeFile(script, wrkReportScript);
    const threads = Math.max(1, Math.min(opts.connections, availableParallelism()));
    // A 1 GB response to each of 64 connections takes longer than the load: wrk would count it as timed out.
    const timeout = Math.max(30, opts.seconds * 4);
    const { stdout } = await run(
      'wrk',
      ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--timeout', `${timeout}s`, '-s', script, opts.url],
      { env: { ...process.env, BERTH_WRK_ACCEPT: opts.accept ?? '' } },
    );
    const summary = parseWrkOutput(stdout);
    // wrk counts bytes as they arrive: a load of 1 GB responses may complete none and still measure throughput.
    if (summary.bytes === 0) throw new Error(`wrk received nothing from ${opts.url}`);
    return summary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
