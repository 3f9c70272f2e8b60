// Keeps the served certificate in step with its files without a restart. A Secret volume changes by an atomic
// symlink swap in the files' directory, which the directory watch sees at once; a slow poll is the safety net for
// file systems whose events do not arrive. A new valid pair is handed to `apply` (server.setSecureContext); a
// broken one is refused, once per distinct content, and the pair in use stays.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { TlsCertificateError, type CertificatePair } from '@berth/contracts/tls';
import { readCertificatePair } from './files.ts';

export type ReloadOutcome = 'unchanged' | 'reloaded' | 'refused';

export interface ReloaderOptions {
  certFile: string;
  keyFile: string;
  /** The pair being served now (read at start). */
  current: CertificatePair;
  /** Serves `pair` from now on. */
  apply(pair: CertificatePair): void;
  onReloaded?(pair: CertificatePair, previous: CertificatePair): void;
  /** A changed pair that cannot be served; called once per distinct fault, not on every look. */
  onRefused?(error: TlsCertificateError): void;
  /** How often the files are read when no event came; default 30 s. */
  pollMs?: number;
  /** How long events are gathered before the files are read (a swap is a burst of them); default 50 ms. */
  settleMs?: number;
}

export class CertificateReloader {
  private current: CertificatePair;
  private lastRefusal: string | undefined;
  private watchers: FSWatcher[] = [];
  private poll: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private running: Promise<ReloadOutcome> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: ReloaderOptions) {
    this.current = opts.current;
  }

  /** The pair served now. */
  get pair(): CertificatePair {
    return this.current;
  }

  start(): void {
    this.watchDirectories();
    this.poll = setInterval(() => {
      // A directory that went away (and came back) lost its watch: take it up again.
      if (this.watchers.length === 0) this.watchDirectories();
      void this.check();
    }, this.opts.pollMs ?? 30_000);
    this.poll.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.settle);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  /** Reads the files and serves them if they changed and are valid. Calls made while one runs share a next run. */
  check(): Promise<ReloadOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.look().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.check();
      }
    });
    return this.running;
  }

  private async look(): Promise<ReloadOutcome> {
    try {
      const next = await readCertificatePair(this.opts.certFile, this.opts.keyFile);
      this.lastRefusal = undefined;
      if (next.contentDigest === this.current.contentDigest) return 'unchanged';
      const previous = this.current;
      this.opts.apply(next);
      this.current = next;
      this.opts.onReloaded?.(next, previous);
      return 'reloaded';
    } catch (err) {
      // Whatever goes wrong (a check this module does not know, apply refusing the pair): the pair in use stays,
      // and the timer or watch that called must not end the process with an unhandled rejection.
      const refusal = err instanceof TlsCertificateError
        ? err
        : new TlsCertificateError('TLS_CERT_INVALID', `${this.opts.certFile} and ${this.opts.keyFile} cannot be served (${(err as Error).message})`);
      if (this.lastRefusal !== refusal.message) {
        this.lastRefusal = refusal.message;
        this.opts.onRefused?.(refusal);
      }
      return 'refused';
    }
  }

  private watchDirectories(): void {
    for (const dir of new Set([dirname(this.opts.certFile), dirname(this.opts.keyFile)])) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.soon());
        watcher.on('error', () => {
          watcher.close();
          this.watchers = this.watchers.filter((w) => w !== watcher);
        });
        this.watchers.push(watcher);
      } catch {
        // No such directory (yet), or no watch support: the poll reads the files anyway.
      }
    }
  }

  private soon(): void {
    if (this.settle || this.stopped) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      void this.check();
    }, this.opts.settleMs ?? 50);
  }
}
