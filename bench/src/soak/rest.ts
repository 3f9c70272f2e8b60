// The proxy at rest: its figures once no client is connected and its open-file count has stopped moving (idle
// keep-alive connections to the upstreams close after a few seconds). Rest before the load and rest after it should
// hold the same descriptors: any more after is a descriptor the load left open.
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessFigures, type ProcessFigures } from './sampler.ts';

/** Polls until the fd count held still for `stillMs`, or `maxMs` passed (then the last reading). */
export async function figuresAtRest(pid: number, stillMs = 6_000, maxMs = 30_000): Promise<ProcessFigures> {
  const deadline = performance.now() + maxMs;
  let figures = await readProcessFigures(pid);
  let since = performance.now();
  while (performance.now() < deadline) {
    await sleep(500);
    const next = await readProcessFigures(pid);
    if (next.fds !== figures.fds) since = performance.now();
    figures = next;
    if (performance.now() - since >= stillMs) break;
  }
  return figures;
}
