// The thread that hashes and writes every download's bytes (spool.ts hands them over in batches). It takes that
// work off the thread that serves the clients: a cold fill used to spend most of its time there in sha256 and in
// file-write calls, while fifty clients waited on the same thread for the bytes it had already received.
// Only node: modules here: the thread starts from this file alone, from dist or (in tests) from source.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** What the serving thread sends. */
export type SpoolRequest =
  | { op: 'open'; id: number; path: string; algorithm: string }
  | { op: 'write'; id: number; batch: ArrayBuffer; length: number; position: number }
  | { op: 'finish'; id: number }
  | { op: 'drop'; id: number };

/**
 * What this thread answers: the file created, a batch written (and its memory, to be filled again), the digest, or a
 * failure. The file is this thread's alone: it opens it, and closes it after 'finish', 'drop' or a failure, when no
 * write of its own can still use the descriptor (closed by another thread earlier, the number could be reused for
 * another file and written into).
 */
export type SpoolReply =
  | { id: number; opened: true }
  | { id: number; written: number; batch: ArrayBuffer }
  | { id: number; digest: string }
  | { id: number; error: { message: string; code?: string } };

const hashes = new Map<number, { fd: number; hash: Hash }>();
const port = parentPort;
if (!port) throw new Error('spool-worker.ts runs as a worker thread');

port.on('message', (request: SpoolRequest) => {
  const { id } = request;
  try {
    switch (request.op) {
      case 'open':
        hashes.set(id, { fd: openSync(request.path, 'wx'), hash: createHash(request.algorithm) });
        reply({ id, opened: true });
        return;
      case 'write': {
        const job = hashes.get(id);
        if (!job) return; // dropped meanwhile
        const bytes = new Uint8Array(request.batch, 0, request.length);
        job.hash.update(bytes);
        for (let done = 0; done < request.length; ) {
          done += writeSync(job.fd, bytes, done, request.length - done, request.position + done);
        }
        reply({ id, written: request.position + request.length, batch: request.batch }, [request.batch]);
        return;
      }
      case 'finish': {
        const job = hashes.get(id);
        if (!job) return; // failed before: the failure was the answer
        hashes.delete(id);
        closeSync(job.fd);
        reply({ id, digest: job.hash.digest('hex') });
        return;
      }
      case 'drop': {
        const job = hashes.get(id);
        hashes.delete(id);
        if (job) closeSync(job.fd);
        return;
      }
    }
  } catch (err) {
    // A failed write (ENOSPC, EIO) fails this download only; its code travels so the store can tell "full".
    const job = hashes.get(id);
    hashes.delete(id);
    if (job) closeQuietly(job.fd);
    const { message, code } = err as NodeJS.ErrnoException;
    reply({ id, error: { message, ...(code ? { code } : {}) } });
  }
});

function reply(message: SpoolReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already gone: nothing left to release
  }
}
