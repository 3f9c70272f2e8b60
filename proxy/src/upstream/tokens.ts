// Bearer tokens from a registry's token service, kept per scope until they expire. A token is dropped a little
// before its stated end, so one does not run out between our check and the upstream's.

/** The token service's answer (distribution's token spec; Docker Hub sends both `token` and `access_token`). */
export interface TokenAnswer {
  token?: string;
  access_token?: string;
  expires_in?: number;
  issued_at?: string;
}

/** What the spec says a client assumes when `expires_in` is missing. */
const DEFAULT_LIFETIME_S = 60;
/** How much earlier than its stated end a token is no longer used. */
export const EXPIRY_MARGIN_MS = 10_000;

export class TokenCache {
  private readonly tokens = new Map<string, { header: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The Authorization header for `scope`, or undefined when none is held or it has expired. */
  valid(scope: string): string | undefined {
    const cached = this.tokens.get(scope);
    if (!cached) return undefined;
    if (cached.expiresAt > this.now()) return cached.header;
    this.tokens.delete(scope);
    return undefined;
  }

  /**
   * Keeps the token of an answer to a request sent at `requestedAt` and gives its Authorization header, or undefined
   * when the answer holds no token. Its lifetime counts from when it was issued (or asked for, whichever is earlier:
   * a service's clock ahead of ours must not lengthen it).
   */
  keep(scope: string, answer: TokenAnswer, requestedAt: number): string | undefined {
    const token = answer.token ?? answer.access_token;
    if (!token) return undefined;
    const issued = answer.issued_at ? Date.parse(answer.issued_at) : requestedAt;
    const from = Number.isNaN(issued) ? requestedAt : Math.min(issued, requestedAt);
    const lifetimeMs = Math.max(0, (answer.expires_in ?? DEFAULT_LIFETIME_S) * 1000 - EXPIRY_MARGIN_MS);
    const header = `Bearer ${token}`;
    this.tokens.set(scope, { header, expiresAt: from + lifetimeMs });
    return header;
  }
}
