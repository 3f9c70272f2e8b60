// The serving thread's side of spool-worker.ts: one worker for the process, started with the store, and the batches
// of memory that downloads are copied into on their way to it.
import { Worker } from 'node:worker_threads';
import type { SpoolReply, SpoolRequest } from './spool-worker.ts';

/** Bytes per hand-over: large enough that a 1 GB download is a thousand messages, not sixteen thousand chunks. */
export const BATCH_BYTES = 1024 * 1024;

// From dist the worker is the .js file tsc wrote; from source (tests, `tsx`), the .ts file beside this one.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? './spool-worker.ts' : './spool-worker.js', import.meta.url);


class SpoolThread {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, (reply: SpoolReply) => void>();
  private nextId = 1;
  /** Batches written and handed back, for the next copies; dropped when no download is running. */
  private readonly spare: ArrayBuffer[] = [];

  /** Starts the worker ahead of the first download (it takes some tens of milliseconds to start). */
  start(): void {
    this.ensure();
  }

  /** Has the thread create `path` (which must not exist) for a new download; its answers go to `onReply`. */
  open(path: string, algorithm: string, onReply: (reply: SpoolReply) => void): number {
    const id = this.nextId++;
    this.jobs.set(id, onReply);
    this.post({ op: 'open', id, path, algorithm });
    // While a download waits on it, the worker keeps the process alive (a test awaiting a digest, say).
    this.worker?.ref();
    return id;
  }

  post(request: SpoolRequest, transfer: ArrayBuffer[] = []): void {
    this.ensure().postMessage(request, transfer);
  }

  /** Forgets a download that got its last answer (or that is dropped). */
  close(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size > 0) return;
    this.spare.length = 0;
    this.worker?.unref();
  }

  takeBatch(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
  }

  private giveBack(batch: ArrayBuffer): void {
    if (this.jobs.size > 0) this.spare.push(batch);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerFile);
    // An idle worker does not keep the process alive (a CLI run or a test ends when its work does).
    worker.unref();
    worker.on('message', (reply: SpoolReply) => {
      if ('batch' in reply) this.giveBack(reply.batch);
      this.jobs.get(reply.id)?.(reply);
    });
    const stopped = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // Each download fails (none is half-verified). The files it had open stay open: a thread that died is a bug,
      // and its descriptors cannot be told from those the process opened since.
      for (const [id, onReply] of this.jobs) onReply({ id, error: { message: `the spool thread stopped: ${why}` } });
      this.jobs.clear();
    };
    worker.on('error', (err) => stopped(err.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}

/** The process's spool thread. */
export const spoolThread = new SpoolThread();
