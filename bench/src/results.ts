// The figures of one bench run, as written to bench/results/<date>.json and rendered by report.ts.
import type { ConcurrentPullFigures } from './measures/concurrent-pulls.ts';
import type { ColdPullFigures } from './measures/cold-pull.ts';
import type { PeakRssFigures } from './measures/peak-rss.ts';

export type CachePeerName = 'berth' | 'distribution' | 'nginx';
export type PullPeerName = 'direct' | 'berth' | 'distribution';

export interface RateFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

export interface BenchResults {
  /** ISO time the run started. */
  date: string;
  machine: MachineInfo;
  /** A quick run uses smaller images and shorter loads: it checks the bench, its figures are not the record. */
  quick: boolean;
  seconds: number;
  /** MB/s by number of concurrent clients ("1", "16", "64"). */
  warmBlob: Partial<Record<CachePeerName, Record<string, number>>>;
  manifest: Partial<Record<CachePeerName, { tag: RateFigures; digest: RateFigures }>>;
  coldPull: Partial<Record<PullPeerName, ColdPullFigures>>;
  concurrentPulls: Partial<Record<PullPeerName, ConcurrentPullFigures>>;
  peakRss?: PeakRssFigures;
  /** Measures that failed, with why: their figures are missing from the tables. */
  failures: string[];
}
