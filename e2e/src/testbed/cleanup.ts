// Everything the test bed starts (processes, temp dirs, servers) is recorded here, so that it is stopped even
// when a test fails or forgets: tests stop what they start in their own hooks, a mocha root `after` hook stops
// whatever is left, and a process exit handler kills synchronously what survived even that (e.g. on Ctrl-C).
import { rmSync } from 'node:fs';

export interface Resource {
  /** Shown when stopping it fails. */
  readonly name: string;
  /** Stops it gracefully; called at most once. */
  stop(): Promise<void>;
  /** Last resort on process exit: must be synchronous. */
  killNow(): void;
}

const live = new Set<Resource>();

/** Records a resource; the returned function stops it (once) and forgets it. */
export function track(resource: Resource): () => Promise<void> {
  live.add(resource);
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      try {
        await resource.stop();
      } finally {
        live.delete(resource);
      }
    })();
    return stopping;
  };
}

/** Stops every resource still live, newest first (a proxy before its upstream, a daemon before its dir). */
export async function stopAll(): Promise<void> {
  const failures: string[] = [];
  for (const resource of [...live].reverse()) {
    try {
      await resource.stop();
    } catch (err) {
      failures.push(`${resource.name}: ${(err as Error).message}`);
      resource.killNow();
    }
    live.delete(resource);
  }
  if (failures.length > 0) throw new Error(`test bed cleanup failed: ${failures.join('; ')}`);
}

function killAllNow(): void {
  for (const resource of [...live].reverse()) {
    try {
      resource.killNow();
    } catch {
      // best effort: the process is exiting
    }
  }
  live.clear();
}

/** A temp dir removed by the test bed even when the test never gets to remove it. */
export function trackDir(dir: string): () => Promise<void> {
  return track({
    name: `temp dir ${dir}`,
    stop: async () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
    killNow: () => rmSync(dir, { recursive: true, force: true }),
  });
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

// Importing the test bed from a spec file happens while mocha loads files into the root suite, so a root-level
// `after` registered here runs once after every test. Outside mocha there is no global `after`: nothing to do.
const mochaAfter = (globalThis as { after?: (title: string, fn: () => Promise<void>) => void }).after;
if (typeof mochaAfter === 'function') mochaAfter('test bed: stop whatever is still running', stopAll);
