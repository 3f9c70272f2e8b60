// What the pull-through reports, for metrics and stats; implemented in observe/.
export interface CacheObserver {
  hit(project: string, kind: 'manifest' | 'blob'): void;
  miss(project: string, kind: 'manifest' | 'blob'): void;
  coalesced(project: string, kind: 'manifest' | 'blob'): void;
  upstreamDeleted(project: string): void;
  upstreamError(project: string, message: string): void;
  stored(project: string, bytes: number): void;
  /** Retention removed an artifact of this size. */
  evicted(project: string, bytes: number): void;
}

export const NO_OBSERVER: CacheObserver = {
  hit: () => undefined, miss: () => undefined, coalesced: () => undefined,
  upstreamDeleted: () => undefined, upstreamError: () => undefined, stored: () => undefined, evicted: () => undefined,
};
