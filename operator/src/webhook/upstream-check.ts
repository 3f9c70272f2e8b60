// checkUpstream: before a pod is pointed at a cache, ask the cache itself whether it can serve the manifest — a HEAD
// through its Service (a miss makes the cache ask its upstream), and, when platforms are required, the index or
// the image config. Answers are remembered briefly (a Deployment of 50 pods asks once), and concurrent questions
// about one image share one request.
import { DOCKER_LIST, OCI_INDEX, UPSTREAM_ACCEPT } from '@berth/contracts/oci';
import { manifestReference, type ImageReference } from './image-reference.ts';

export interface CheckRequest {
  /** The cache's base URL as the operator reaches it, e.g. http://10.96.0.12:5000. */
  cacheUrl: string;
  ref: ImageReference;
  /** os/arch[/variant] the image must offer; empty: any. */
  platforms: readonly string[];
}

export type CheckAnswer = { ok: true } | { ok: false; message: string };

/** An answer, and whether it was asked now (false: remembered), so a failure is reported once per asking. */
export type CheckResult = CheckAnswer & { fresh: boolean };

export interface UpstreamCheckerOptions {
  /** Per request to the cache; the whole admission must answer well inside the webhook's timeoutSeconds. */
  timeoutMs?: number;
  /** How long a yes is remembered. */
  okTtlMs?: number;
  /** How long a no is remembered: short, so that an image pushed a moment later is soon rewritten. */
  failTtlMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export class UpstreamChecker {
  private readonly remembered = new Map<string, { answer: CheckAnswer; until: number }>();
  private readonly inflight = new Map<string, Promise<CheckAnswer>>();
  private readonly timeoutMs: number;
  private readonly okTtlMs: number;
  private readonly failTtlMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(options: UpstreamCheckerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.okTtlMs = options.okTtlMs ?? 60_000;
    this.failTtlMs = options.failTtlMs ?? 10_000;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    const key = `${request.cacheUrl} ${request.ref.registry}/${request.ref.repository}@${manifestReference(request.ref)} ${[...request.platforms].sort().join(',')}`;
    const memo = this.remembered.get(key);
    if (memo && memo.until > this.now()) return { ...memo.answer, fresh: false };
    const running = this.inflight.get(key);
    if (running) return { ...(await running), fresh: false };
    const asking = this.ask(request).finally(() => this.inflight.delete(key));
    this.inflight.set(key, asking);
    const answer = await asking;
    this.remembered.set(key, { answer, until: this.now() + (answer.ok ? this.okTtlMs : this.failTtlMs) });
    if (this.remembered.size > 10_000) this.forgetExpired();
    return { ...answer, fresh: true };
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, memo] of this.remembered) if (memo.until <= now) this.remembered.delete(key);
  }

  private async ask({ cacheUrl, ref, platforms }: CheckRequest): Promise<CheckAnswer> {
    const base = `${cacheUrl.replace(/\/+$/, '')}/v2/${ref.registry}/${ref.repository}`;
    const manifestUrl = `${base}/manifests/${manifestReference(ref)}`;
    const where = `${ref.registry}/${ref.repository}:${manifestReference(ref)}`;
    try {
      if (platforms.length === 0) {
        const res = await this.fetch(manifestUrl, { method: 'HEAD', headers: { accept: UPSTREAM_ACCEPT }, signal: AbortSignal.timeout(this.timeoutMs) });
        await res.body?.cancel();
        return res.status === 200 ? { ok: true } : { ok: false, message: `the cache answered ${res.status} for the manifest of ${where}` };
      }
      const manifest = await this.document(manifestUrl, UPSTREAM_ACCEPT);
      if ('message' in manifest) return { ok: false, message: `${manifest.message} for the manifest of ${where}` };
      const offered = await this.platformsOf(manifest.doc, base);
      if ('message' in offered) return { ok: false, message: `${offered.message} for the image config of ${where}` };
      const missing = platforms.filter((p) => !offered.list.some((o) => platformMatches(p, o)));
      return missing.length === 0 ? { ok: true } : { ok: false, message: `${where} has no ${missing.join(', ')} image (it has ${offered.list.join(', ') || 'none'})` };
    } catch (error) {
      const e = error as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : e.message;
      return { ok: false, message: `the cache could not be asked about ${where}: ${why}` };
    }
  }

  private async platformsOf(doc: ManifestDoc, base: string): Promise<{ list: string[] } | { message: string }> {
    if (Array.isArray(doc.manifests) || doc.mediaType === OCI_INDEX || doc.mediaType === DOCKER_LIST) {
      return { list: (doc.manifests ?? []).map((m) => platformText(m.platform)).filter((p): p is string => p !== undefined) };
    }
    const config = doc.config?.digest;
    if (typeof config !== 'string') return { list: [] };
    const blob = await this.document(`${base}/blobs/${config}`, '*/*');
    if ('message' in blob) return blob;
    const p = platformText(blob.doc as PlatformDoc);
    return { list: p ? [p] : [] };
  }

  private async document(url: string, accept: string): Promise<{ doc: ManifestDoc } | { message: string }> {
    const res = await this.fetch(url, { headers: { accept }, signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { message: `the cache answered ${res.status}` };
    }
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_DOCUMENT_BYTES) {
      await res.body?.cancel();
      return { message: `the cache sent ${length} bytes, more than a manifest may have` };
    }
    try {
      return { doc: (await res.json()) as ManifestDoc };
    } catch {
      return { message: 'the cache sent a body that is not JSON' };
    }
  }
}

interface PlatformDoc {
  os?: unknown;
  architecture?: unknown;
  variant?: unknown;
}

interface ManifestDoc {
  mediaType?: string;
  manifests?: { platform?: PlatformDoc }[];
  config?: { digest?: unknown };
}

function platformText(p: PlatformDoc | undefined): string | undefined {
  if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string') return undefined;
  return `${p.os}/${p.architecture}${typeof p.variant === 'string' && p.variant ? `/${p.variant}` : ''}`;
}

/** linux/arm64 is offered by linux/arm64/v8; linux/arm64/v8 needs that variant (or none stated). */
function platformMatches(wanted: string, offered: string): boolean {
  const [wos, warch, wvariant] = wanted.split('/');
  const [oos, oarch, ovariant] = offered.split('/');
  if (wos !== oos || warch !== oarch) return false;
  return wvariant === undefined || ovariant === undefined || wvariant === ovariant;
}
