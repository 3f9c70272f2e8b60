// The HTTP seam beneath the OCI-level upstream (registry.ts): one GET or HEAD to a registry, authenticated.
// UpstreamClient (client.ts) implements it; unit tests put an in-memory registry behind it (fake.ts), and
// OciUpstream (oci-upstream.ts) turns it into the distribution API the cache speaks.
import type { Readable } from 'node:stream';

/** A response body: a byte stream with undici's helpers (consume it, `dump()` it, or `destroy()` it). */
export interface UpstreamBody extends Readable {
  dump(): Promise<void>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

export interface UpstreamRequest {
  method: 'GET' | 'HEAD';
  /** Path and query under the upstream base URL, e.g. `/v2/library/nginx/manifests/1.27`. */
  path: string;
  /** The repository, for the token scope. */
  repository: string;
  headers?: Record<string, string>;
}

export interface Upstream {
  /**
   * Resolves with 2xx responses only; rejects with UpstreamError (not-found, rate-limited, unauthorized, denied,
   * unavailable) for the rest, and for connection errors and timeouts (unavailable).
   */
  send(req: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
