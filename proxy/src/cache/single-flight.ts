// One piece of work per key for any number of concurrent callers (undici's deduplicate): the first caller starts it,
// the others join it, and the key is free again once it settles.
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** Joins the work running under `key` (calling `joined`), or starts it with `start`. */
  run(key: string, start: () => Promise<T>, joined?: () => void): Promise<T> {
    const running = this.running.get(key);
    if (running) {
      joined?.();
      return running;
    }
    const work = start().finally(() => this.running.delete(key));
    this.running.set(key, work);
    return work;
  }
}
