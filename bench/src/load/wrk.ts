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
    const { stdout } = await run(
      'wrk',
      ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--timeout', '30s', '-s', script, opts.url],
      { env: { ...process.env, BERTH_WRK_ACCEPT: opts.accept ?? '' } },
    );
    const summary = parseWrkOutput(stdout);
    if (summary.requests === 0) throw new Error(`wrk completed no request against ${opts.url}`);
    return summary;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
