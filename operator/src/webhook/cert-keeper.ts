// Keeps the webhook's certificate: every replica, every `syncMs`, reads the shared Secret, renews what is due
// (cert-plan.ts), writes it back with optimistic concurrency (two replicas renewing at once: one write wins, the
// other reads the winner's), loads it into the TLS server, and writes the CA bundle into the
// MutatingWebhookConfiguration. With certificates managed elsewhere (cert-manager: a Certificate writes the Secret
// and its cainjector the caBundle), it only loads what the Secret holds.
import type { Logger } from '../observe/logger.ts';
import { planCertificates, SECRET_KEYS, type CertPolicy, type Issuer, type TlsMaterial } from './cert-plan.ts';
import { certFacts } from './certificates.ts';

export interface StoredTls {
  data: Partial<Record<(typeof SECRET_KEYS)[keyof typeof SECRET_KEYS], string>>;
  resourceVersion: string;
}

/** The Secret, as the keeper needs it; the kube implementation is in kube-adapters.ts. */
export interface TlsSecretStore {
  read(): Promise<StoredTls | undefined>;
  /** Creates (no resourceVersion) or replaces; rejects with a ConflictError when someone wrote in between. */
  write(data: StoredTls['data'], resourceVersion: string | undefined): Promise<void>;
}

export interface CaBundleTarget {
  /** Makes every webhook of the configuration trust `bundle` (PEM); resolves with whether anything changed. */
  sync(bundle: string): Promise<boolean>;
}

export class ConflictError extends Error {
  override name = 'ConflictError';
  readonly code = 'CONFLICT';
}

export interface CertKeeperOptions {
  store: TlsSecretStore;
  /** Undefined when certificates are managed elsewhere (cert-manager). */
  issue?: { policy: CertPolicy; caBundle?: CaBundleTarget; issuer?: Issuer };
  /** Called with every new key pair, before the first request is served and after each rotation. */
  load(pair: { cert: string; key: string }): void;
  onExpiry?(notAfterMs: number): void;
  log: Logger;
  syncMs?: number;
  now?: () => number;
}

export class CertKeeper {
  private timer: NodeJS.Timeout | undefined;
  private loaded = '';
  private running: Promise<void> | undefined;

  constructor(private readonly options: CertKeeperOptions) {}

  /** True once a certificate is loaded. */
  get ready(): boolean {
    return this.loaded !== '';
  }

  /** Syncs once (rejects when that fails), then every syncMs in the background. */
  async start(): Promise<void> {
    await this.sync();
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.sync()
        .catch((error: unknown) => this.options.log.warn('webhook certificate sync failed; retrying', { error: (error as Error).message }))
        .finally(() => { if (this.timer) this.schedule(); });
    }, this.options.syncMs ?? 30_000);
    this.timer.unref();
  }

  /** One round; concurrent callers share it. */
  sync(): Promise<void> {
    this.running ??= this.round().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async round(): Promise<void> {
    const { store, issue, log } = this.options;
    const now = this.options.now ?? Date.now;
    let material: TlsMaterial | undefined;
    for (let attempt = 0; attempt < 3 && !material; attempt++) {
      const stored = await store.read();
      const current = stored ? fromData(stored.data) : undefined;
      if (!issue) {
        if (!current?.cert || !current.key) throw new Error('the webhook TLS Secret has no tls.crt and tls.key yet (cert-manager writes them)');
        material = current;
        break;
      }
      const plan = planCertificates(current, issue.policy, now(), issue.issuer);
      if (plan.changes.length === 0) {
        material = plan.material;
        break;
      }
      try {
        await store.write(toData(plan.material), stored?.resourceVersion);
        log.info('webhook certificate written', { changes: plan.changes, notAfter: new Date(plan.servingNotAfter).toISOString() });
        material = plan.material;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        // Another replica wrote first: read its result and plan from there.
      }
    }
    if (!material) throw new Error('the webhook TLS Secret kept changing under three attempts to write it');
    if (material.cert + material.key !== this.loaded) {
      let notAfter: number;
      try {
        notAfter = certFacts(material.cert).notAfter;
      } catch {
        throw new Error('the webhook TLS Secret\'s tls.crt is not a PEM certificate');
      }
      this.options.load({ cert: material.cert, key: material.key });
      this.loaded = material.cert + material.key;
      this.options.onExpiry?.(notAfter);
      log.info('webhook certificate loaded', { notAfter: new Date(notAfter).toISOString() });
    }
    if (issue?.caBundle && (await issue.caBundle.sync(material.caBundle))) log.info('webhook CA bundle written to the MutatingWebhookConfiguration');
  }
}

function fromData(data: StoredTls['data']): TlsMaterial {
  return { caBundle: data[SECRET_KEYS.caBundle] ?? '', caKey: data[SECRET_KEYS.caKey] ?? '', cert: data[SECRET_KEYS.cert] ?? '', key: data[SECRET_KEYS.key] ?? '' };
}

function toData(m: TlsMaterial): StoredTls['data'] {
  return { [SECRET_KEYS.caBundle]: m.caBundle, [SECRET_KEYS.caKey]: m.caKey, [SECRET_KEYS.cert]: m.cert, [SECRET_KEYS.key]: m.key };
}
