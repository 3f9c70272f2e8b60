// Pulls of one image by the real node's containerd, one after another, the way a node pulls: through the hosts.toml
// the node agent wrote (the cache first, the upstream as the `server` fallback). Each pull runs in a namespace of
// its own and is removed after, blobs included, so the next one fetches the manifest and every blob again. A pull
// is `ok` when the cache served it, `fallback` when the upstream saw containerd itself, `failed` when ctr failed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AccessLogEntry } from '../registry/access-log.ts';
import { waitFor } from '../testbed/wait.ts';

const exec = promisify(execFile);
const NAMESPACE = 'berth-pull-loop';

export interface PullRecord {
  outcome: 'ok' | 'fallback' | 'failed';
  startedMs: number;
  endedMs: number;
  error?: string;
}

export interface PullCounts {
  pulls: number;
  ok: number;
  fallback: number;
  failed: number;
  /** The first failures' messages (ctr's stderr), for the report. */
  errors: string[];
  /** From the start of the first pull that did not go through the cache to the end of the last one; 0 when none. */
  degradedMs: number;
}

export interface PullLoopOptions {
  containerdSocket: string;
  hostsDir: string;
  ref: string;
  /** The upstream's requests so far: a pull that adds one from containerd went around the cache. */
  upstreamLog: () => Promise<AccessLogEntry[]>;
}

export class PullLoop {
  readonly records: PullRecord[] = [];
  private stopping = false;
  private done: Promise<void> | undefined;

  constructor(private readonly opts: PullLoopOptions) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
    await this.clean().catch(() => undefined);
  }

  /** A mark to count from: the number of pulls recorded so far. */
  mark(): number {
    return this.records.length;
  }

  /** Resolves once `n` more pulls have ended after `mark` (a window with pulls in it, whatever their pace). */
  async pullsAfter(mark: number, n: number): Promise<void> {
    await waitFor(async () => this.records.length >= mark + n, { what: `${n} pulls after pull ${mark}`, timeoutMs: 300_000, intervalMs: 100 });
  }

  counts(from: number, to = this.records.length): PullCounts {
    const window = this.records.slice(from, to);
    const bad = window.filter((r) => r.outcome !== 'ok');
    return {
      pulls: window.length,
      ok: window.length - bad.length,
      fallback: window.filter((r) => r.outcome === 'fallback').length,
      failed: window.filter((r) => r.outcome === 'failed').length,
      errors: window.flatMap((r) => (r.error ? [r.error] : [])).slice(0, 3),
      degradedMs: bad.length ? bad.at(-1)!.endedMs - bad[0]!.startedMs : 0,
    };
  }

  private async run(): Promise<void> {
    await this.clean();
    while (!this.stopping) {
      const direct = await this.directRequests();
      const startedMs = Date.now();
      let error: string | undefined;
      try {
        await this.ctr(['images', 'pull', '--hosts-dir', this.opts.hostsDir, this.opts.ref]);
      } catch (err) {
        error = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').slice(-2).join(' ');
      }
      const endedMs = Date.now();
      const around = (await this.directRequests()) > direct;
      this.records.push({ outcome: error ? 'failed' : around ? 'fallback' : 'ok', startedMs, endedMs, ...(error ? { error } : {}) });
      await this.clean();
    }
  }

  private async directRequests(): Promise<number> {
    return (await this.opts.upstreamLog()).filter((e) => /containerd/i.test(e.userAgent)).length;
  }

  /** Every image and blob of the loop's namespace, so the next pull fetches all again. */
  private async clean(): Promise<void> {
    const images = (await this.ctr(['images', 'ls', '-q'])).split('\n').filter(Boolean);
    if (images.length) await this.ctr(['images', 'rm', '--sync', ...images]);
    const blobs = (await this.ctr(['content', 'ls', '-q'])).split('\n').filter(Boolean);
    for (const blob of blobs) await this.ctr(['content', 'rm', blob]).catch(() => undefined);
  }

  private async ctr(args: string[]): Promise<string> {
    return (await exec('ctr', ['--address', this.opts.containerdSocket, '-n', NAMESPACE, ...args], { timeout: 120_000 })).stdout;
  }
}
