// Polling with a bounded deadline, for the few things that offer no event to wait on (a daemon's port opening).

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked on every round; a string ends the wait with that failure (e.g. "the process exited"). */
  abort?: () => string | undefined;
}

/** Resolves with the first truthy result of `probe`; rejects after the deadline or when `abort` says so. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw new Error(`${opts.what}: ${aborted}`);
    try {
      const result = await probe();
      if (result) return result;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${opts.what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 50));
  }
}

/** True when an HTTP GET answers with the expected status. */
export async function httpAnswers(url: string, status = 200): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status === status;
}
