// The figures of one bench run, as written to bench/results/<date>.json and rendered by report.ts.
import type { ConcurrentPullFigures } from './measures/concurrent-pulls.ts';
import type { ColdPullFigures } from './measures/cold-pull.ts';
import type { KubeletPullFigures } from './measures/kubelet-pull.ts';
import type { StorageFigures } from './measures/object-storage.ts';
import type { BlobLoadFigures } from './measures/warm-blob.ts';
import type { LoadFigures } from './procfs/load-watch.ts';

export type CachePeerName = 'berth' | 'distribution' | 'nginx';
export type PullPeerName = 'direct' | 'berth' | 'distribution';

export interface RateFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  load?: LoadFigures;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

/** One layer's warm blob loads: MB/s and load figures by peer, then by number of concurrent clients ("1", "16", "64"). */
export interface WarmBlobFigures {
  layerBytes: number;
  /** The layer fits Berth's hot-memory cache: its row says what that cache adds, it is not a target. */
  hotMemory: boolean;
  peers: Partial<Record<CachePeerName, Record<string, BlobLoadFigures>>>;
}

export interface BenchResults {
  /** ISO time the run started. */
  date: string;
  machine: MachineInfo;
  /** The commit measured ("+changes" when the checkout differed from it); absent in older results. */
  commit?: string;
  /** A quick run uses smaller images and shorter loads: it checks the bench, its figures are not the record. */
  quick: boolean;
  /** What a quick run shrank, in words (for the report's header). */
  quickNote?: string;
  seconds: number;
  /** Seconds of each wrk load. */
  loadSeconds: number;
  /** Smallest layer first; the hot-memory one among them. */
  warmBlob: WarmBlobFigures[];
  manifest: Partial<Record<CachePeerName, { tag: RateFigures; digest: RateFigures }>>;
  /** The manifest load (by digest) on a bare Node server: the machine check; absent in older results. */
  manifestBareNode?: RateFigures;
  coldPull: Partial<Record<PullPeerName, ColdPullFigures>>;
  /** Rounds of cold pulls (each peer once per round, in turn) whose median is reported; absent in older results. */
  coldPullRuns?: number;
  concurrentPulls?: ConcurrentPullFigures;
  kubeletPull?: KubeletPullFigures;
  /** The store on a volume and on S3-compatible object storage, side by side. */
  storage?: StorageFigures;
  /** Measures that failed, with why: their figures are missing from the tables. */
  failures: string[];
}
