// Small blobs held in memory, least recently used dropped first. A warm blob is then served from one shared buffer
// instead of being read from the file for every request: nginx hands files to the socket with sendfile, which Node
// cannot do, and reading the same 10 MB again per request (plus the buffers and garbage of it) halved our
// throughput. Only verified blobs from the store get here, and content by digest never changes.
import { Memo } from '../util/memo.ts';

export interface HotBlobsOptions {
  /** Total bytes held (default DEFAULT_HOT_BYTES); 0 turns the memory off. */
  hotBytes?: number;
  /** Blobs larger than this are always streamed from the file (default 16 MiB). */
  hotBlobMaxBytes?: number;
}

/**
 * 32 MiB: what a node's burst of small layers and configs needs. Above that the memory buys little — a warm file read
 * into the shared read buffers runs near nginx's sendfile from 16 clients up (bench/) — and it counts in every pod's RSS.
 */
export const DEFAULT_HOT_BYTES = 32 * 1024 * 1024;

export class HotBlobs {
  private readonly memo: Memo<Buffer>;
  private readonly maxBlob: number;
  /** Loads in progress, so concurrent first requests read the file once. */
  private readonly loading = new Map<string, Promise<Buffer>>();

  constructor(opts: HotBlobsOptions = {}) {
    const total = opts.hotBytes ?? DEFAULT_HOT_BYTES;
    this.maxBlob = Math.min(opts.hotBlobMaxBytes ?? 16 * 1024 * 1024, total);
    this.memo = new Memo<Buffer>(total, (b) => b.byteLength);
  }

  /**
   * The blob's bytes when it is small enough to hold (loading them with `load` if need be), else undefined.
   * `size` is the file's size now: an entry of another size is stale and loaded again.
   */
  async get(key: string, size: number, load: () => Promise<Buffer>): Promise<Buffer | undefined> {
    if (size > this.maxBlob) return undefined;
    const held = this.memo.get(key);
    if (held && held.byteLength === size) return held;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = load().finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    const bytes = await loading;
    if (bytes.byteLength !== size) return undefined;
    this.memo.set(key, bytes);
    return bytes;
  }

  delete(key: string): void {
    this.memo.delete(key);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.memo.weight;
  }
}
