// Measure 6: where the store lives. Berth and distribution, each on a volume and on S3-compatible object storage (a
// real versitygw on this machine): a cold skopeo pull of the 200 MB image through a fresh instance, then clients
// downloading its largest layer warm all at once (curl, following redirects as a node's puller does), round after
// round for the load's seconds. The object store's CPU is reported beside the cache's: with S3, serving a blob is
// partly its work (all of it, once a client is redirected).
import { readPidStat } from '../procfs/process-tree.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { PeerFactory } from '../peers/peer.ts';
import { TICKS_PER_SECOND, watchLoad, type LoadFigures } from '../procfs/load-watch.ts';
import { concurrentDownloads } from './curl-download.ts';
import { timedPull } from './pull-clients.ts';

export const STORAGE_CLIENTS = 16;
/** Bounds one client's download of one layer on a loaded machine. */
const MAX_DOWNLOAD_SECONDS = 300;

export type StoreKind = 'volume' | 's3' | 's3-redirect';

export interface StorageCase {
  peer: 'berth' | 'distribution';
  store: StoreKind;
  fresh: PeerFactory;
  /** The object store's process, when the store is one. */
  storePid?: number;
}

export interface StorageRow {
  peer: StorageCase['peer'];
  store: StoreKind;
  coldSeconds: number;
  warmMegabytesPerSecond: number;
  cold: LoadFigures;
  warm: LoadFigures;
  /** Average cores the object store used during the cold pull and the warm load. */
  storeCores?: { cold: number; warm: number };
}

export interface StorageFigures {
  imageBytes: number;
  layerBytes: number;
  clients: number;
  rows: StorageRow[];
}

/** The image's largest layer: the one a warm load downloads. */
export function largestLayer(image: SeededImage): { digest: string; size: number } {
  const layers = image.blobs.slice(1);
  if (layers.length === 0) throw new Error(`${image.repo}:${image.tag} has no layers`);
  return layers.reduce((a, b) => (b.size > a.size ? b : a));
}

/** Starts counting a process's CPU; the returned function gives the average cores since. */
async function cpuFrom(pid: number | undefined): Promise<() => Promise<number | undefined>> {
  if (pid === undefined) return async () => undefined;
  const before = (await readPidStat(pid))?.cpuTicks ?? 0;
  const started = performance.now();
  return async () => {
    const after = (await readPidStat(pid))?.cpuTicks ?? before;
    return (after - before) / TICKS_PER_SECOND / ((performance.now() - started) / 1000);
  };
}

export async function measureStorageCase(c: StorageCase, image: SeededImage, seconds: number, clients = STORAGE_CLIENTS): Promise<StorageRow> {
  const peer = await c.fresh();
  try {
    const coldStore = await cpuFrom(c.storePid);
    const cold = await watchLoad(peer.pid, () => timedPull('skopeo', peer, image));
    const storeCold = await coldStore();

    const blob = largestLayer(image);
    const url = `${peer.url}/v2/${image.repo}/blobs/${blob.digest}`;
    const warmStore = await cpuFrom(c.storePid);
    const warm = await watchLoad(peer.pid, async () => {
      const started = performance.now();
      let bytes = 0;
      do {
        await concurrentDownloads(url, clients, blob.size, MAX_DOWNLOAD_SECONDS, { followRedirects: true });
        bytes += clients * blob.size;
      } while ((performance.now() - started) / 1000 < seconds);
      return bytes / 1e6 / ((performance.now() - started) / 1000);
    });
    const storeWarm = await warmStore();
    return {
      peer: c.peer, store: c.store, coldSeconds: cold.result, warmMegabytesPerSecond: warm.result, cold: cold.load, warm: warm.load,
      ...(storeCold !== undefined && storeWarm !== undefined ? { storeCores: { cold: storeCold, warm: storeWarm } } : {}),
    };
  } finally {
    await peer.stop();
  }
}
