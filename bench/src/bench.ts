// One bench run: seeds the upstream once, then runs each measure against each peer, collecting figures. A measure
// that fails on one peer is recorded in `failures` and the run goes on, so one broken peer does not hide the others.
import { startRegistry, type Registry } from '@berth/e2e';
import { fullSizes, quickSizes, seedUpstream, type BenchImages, type ImageName } from './images/seed.ts';
import { imageBytes, layer, type SeededImage } from './images/seeded-image.ts';
import { measureColdPulls } from './measures/cold-pull.ts';
import { measureConcurrentPulls } from './measures/concurrent-pulls.ts';
import { measureKubeletPull } from './measures/kubelet-pull.ts';
import { largestLayer, measureStorageCase, STORAGE_CLIENTS, type StorageCase, type StorageFigures } from './measures/object-storage.ts';
import { measureWarmBlob } from './measures/warm-blob.ts';
import { measureManifestLoad, measureWarmManifest, type ManifestLoad } from './measures/warm-manifest.ts';
import { warmUp } from './measures/warm-up.ts';
import { machineInfo } from './machine.ts';
import { QUICK_NOTE, type BenchOptions } from './options.ts';
import { startBareNode } from './peers/bare-node.ts';
import { startBerth } from './peers/berth.ts';
import { registryPid, startDistributionProxy } from './peers/distribution.ts';
import { startNginx, type StaticFile } from './peers/nginx.ts';
import { berthOnS3, distributionOnS3, startObjectStore, type ObjectStore } from './peers/object-storage.ts';
import type { Peer, PeerFactory } from './peers/peer.ts';
import type { BenchResults, CachePeerName, PullPeerName, RateFigures, WarmBlobFigures } from './results.ts';
import { sourceCommit } from './source.ts';

export type Log = (line: string) => void;
/** Runs one measure; a failure is recorded in the results and the run goes on. */
type Attempt = (what: string, fn: () => Promise<void>) => Promise<void>;

/** Berth's hot-memory cache keeps blobs up to this size (proxy/src/store/hotblobs.ts): a layer this small is its own row. */
const HOT_MEMORY_MAX_BLOB = 16 * 1024 * 1024;

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

export async function runBench(opts: BenchOptions, log: Log): Promise<BenchResults> {
  const started = performance.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    commit: sourceCommit(),
    quick: opts.quick,
    ...(opts.quick ? { quickNote: QUICK_NOTE } : {}),
    seconds: 0,
    loadSeconds: opts.loadSeconds,
    warmBlob: [],
    manifest: {},
    coldPull: {},
    failures: [],
  };
  const attempt: Attempt = async (what, fn) => {
    log(`- ${what}`);
    try {
      await fn();
    } catch (err) {
      const message = `${what}: ${(err as Error).message.split('\n')[0]}`;
      log(`  FAILED ${message}`);
      results.failures.push(message);
    }
  };

  log('upstream registry and images');
  const upstream = await startRegistry();
  try {
    const wants = (...measures: BenchOptions['measures']) => measures.some((m) => opts.measures.includes(m));
    const wanted: ImageName[] = [];
    if (wants('warm-blob', 'manifest')) wanted.push('small', 'multi');
    if (wants('warm-blob', 'concurrent')) wanted.push('layers');
    if (wants('cold-pull', 'kubelet', 'storage')) wanted.push('big');
    // the image a fresh cache serves before a timed cold pull (measures/cold-pull.ts)
    if (wants('cold-pull', 'kubelet') && !wanted.includes('small')) wanted.push('small');
    const images = await seedUpstream(upstream, opts.quick ? quickSizes : fullSizes, wanted);
    const direct: Peer = { name: 'direct', url: upstream.url, host: upstream.host, pid: await registryPid(upstream), stop: async () => {} };
    const berth: PeerFactory = () => startBerth({ upstreamUrl: upstream.url });
    const factories: Partial<Record<PullPeerName, PeerFactory>> = { direct: async () => direct };
    if (opts.peers.includes('berth')) factories.berth = berth;
    if (opts.peers.includes('distribution')) factories.distribution = () => startDistributionProxy(upstream.url);

    if (wants('warm-blob', 'manifest')) {
      if (opts.measures.includes('warm-blob')) {
        results.warmBlob = warmLayers(images).map((image) => {
          const bytes = layer(image).size;
          return { layerBytes: bytes, hotMemory: bytes <= HOT_MEMORY_MAX_BLOB, peers: {} };
        });
      }
      for (const name of opts.peers) {
        await attempt(`warm loads on ${name}`, () => warmLoads(name, upstream, images, opts, results, log));
      }
      if (opts.measures.includes('manifest')) {
        await attempt('the manifest load on a bare Node server (the machine check)', async () => {
          results.manifestBareNode = await bareNodeManifestLoad(seeded(images.small), opts.loadSeconds);
          log(`  bare Node manifest req/s: ${Math.round(results.manifestBareNode.requestsPerSecond)}`);
        });
      }
    }
    if (opts.measures.includes('cold-pull')) {
      await attempt(`cold pulls, ${Object.keys(factories).join(', ')} in turn`, async () => {
        const { figures, failures } = await measureColdPulls(factories, seeded(images.big), seeded(images.small), opts.runs);
        results.coldPull = figures;
        results.coldPullRuns = opts.runs;
        for (const failure of failures) {
          log(`  FAILED ${failure}`);
          results.failures.push(failure);
        }
      });
    }
    if (opts.measures.includes('concurrent') && opts.peers.includes('berth')) {
      const largest = seeded(images.layers?.at(-1));
      await attempt(`${opts.concurrentPulls} concurrent pulls of a ${mb(layer(largest).size)} layer through berth, cold then warm`, async () => {
        results.concurrentPulls = await measureConcurrentPulls(berth, largest, upstream, opts.concurrentPulls);
      });
    }
    if (opts.measures.includes('storage')) {
      log('- the store on a volume and on S3-compatible object storage');
      await storageLoads(upstream.url, seeded(images.big), opts, results, attempt, log);
    }
    if (opts.measures.includes('kubelet')) {
      const big = seeded(images.big);
      const caches = { berth, ...(factories.distribution ? { distribution: factories.distribution } : {}) };
      await attempt(`the real node's kubelet pulling the ${mb(imageBytes(big))} image: direct, through ${Object.keys(caches).join(' and ')} cold and warm`, async () => {
        results.kubeletPull = await measureKubeletPull(caches, big, seeded(images.small), upstream, opts.runs);
      });
    }
  } finally {
    await upstream.stop();
  }
  results.seconds = (performance.now() - started) / 1000;
  return results;
}

/** Each cache on a volume, then on a real S3-compatible server (versitygw), in one run. */
async function storageLoads(
  upstreamUrl: string, image: SeededImage, opts: BenchOptions, results: BenchResults,
  attempt: Attempt, log: Log,
): Promise<void> {
  let store: ObjectStore | undefined;
  await attempt('start versitygw', async () => {
    store = await startObjectStore();
  });
  if (!store) return;
  try {
    const cases: StorageCase[] = [];
    const onStore = store.pid ? { storePid: store.pid } : {};
    if (opts.peers.includes('berth')) {
      cases.push({ peer: 'berth', store: 'volume', fresh: () => startBerth({ upstreamUrl }) });
      cases.push({ peer: 'berth', store: 's3', fresh: berthOnS3(store, upstreamUrl, false), ...onStore });
      cases.push({ peer: 'berth', store: 's3-redirect', fresh: berthOnS3(store, upstreamUrl, true), ...onStore });
    }
    if (opts.peers.includes('distribution')) {
      cases.push({ peer: 'distribution', store: 'volume', fresh: () => startDistributionProxy(upstreamUrl) });
      cases.push({ peer: 'distribution', store: 's3-redirect', fresh: distributionOnS3(store, upstreamUrl), ...onStore });
    }
    const figures: StorageFigures = { imageBytes: imageBytes(image), layerBytes: largestLayer(image).size, clients: STORAGE_CLIENTS, rows: [] };
    results.storage = figures;
    for (const c of cases) {
      await attempt(`${c.peer} on ${c.store}`, async () => {
        const row = await measureStorageCase(c, image, opts.loadSeconds);
        figures.rows.push(row);
        log(`    ${c.peer} on ${c.store}: cold ${row.coldSeconds.toFixed(2)} s, warm ${Math.round(row.warmMegabytesPerSecond)} MB/s`);
      });
    }
  } finally {
    await store.stop();
  }
}

function seeded(image: SeededImage | undefined): SeededImage {
  if (!image) throw new Error('the image this measure needs was not seeded');
  return image;
}

/** The warm blob loads' layers, smallest first: the hot-memory one, then the 100 MB and 1 GB ones. */
function warmLayers(images: BenchImages): SeededImage[] {
  return [seeded(images.small), ...(images.layers ?? [])];
}

/** nginx serves the same bytes from files: the manifests written out, each blob linked from the upstream's storage. */
async function startWarmPeer(name: CachePeerName, upstream: Registry, images: BenchImages): Promise<Peer> {
  if (name === 'berth') return startBerth({ upstreamUrl: upstream.url });
  if (name === 'distribution') return startDistributionProxy(upstream.url);
  const files = (image: SeededImage): StaticFile[] => [
    { urlPath: `/v2/${image.repo}/manifests/${image.tag}`, content: image.manifestBytes },
    { urlPath: `/v2/${image.repo}/manifests/${image.manifestDigest}`, content: image.manifestBytes },
    ...image.blobs.map((b) => ({ urlPath: `/v2/${image.repo}/blobs/${b.digest}`, sourcePath: upstream.blobDataPath(b.digest) })),
  ];
  return startNginx({ manifestMediaType: seeded(images.small).manifestMediaType, files: warmLayers(images).flatMap(files) });
}

async function warmLoads(name: CachePeerName, upstream: Registry, images: BenchImages, opts: BenchOptions, results: BenchResults, log: Log): Promise<void> {
  const peer = await startWarmPeer(name, upstream, images);
  try {
    const small = seeded(images.small);
    await warmUp(peer, small);
    if (name !== 'nginx') await warmUp(peer, seeded(images.multi));
    if (opts.measures.includes('warm-blob')) {
      for (const [i, image] of warmLayers(images).entries()) {
        if (image !== small) await warmUp(peer, image);
        const figures = (results.warmBlob[i] as WarmBlobFigures).peers;
        figures[name] = await measureWarmBlob(peer, image, opts.loadSeconds, opts.blobClients);
        const shown = Object.entries(figures[name]).map(([c, f]) => `${c}→${Math.round(f.megabytesPerSecond)}`);
        log(`  ${mb(layer(image).size)} blob MB/s: ${shown.join(' ')}`);
      }
    }
    if (opts.measures.includes('manifest')) {
      const { tag, digest } = await measureWarmManifest(peer, small, opts.loadSeconds);
      results.manifest[name] = { tag: rateFigures(tag), digest: rateFigures(digest) };
      log(`  manifest req/s: tag ${Math.round(tag.summary.requestsPerSecond)}, digest ${Math.round(digest.summary.requestsPerSecond)}`);
    }
  } finally {
    await peer.stop();
  }
}

function rateFigures(m: ManifestLoad): RateFigures {
  return { requestsPerSecond: m.summary.requestsPerSecond, p50Ms: m.summary.p50Ms, p99Ms: m.summary.p99Ms, load: m.load };
}

async function bareNodeManifestLoad(image: SeededImage, seconds: number): Promise<RateFigures> {
  const server = await startBareNode(image);
  try {
    return rateFigures(await measureManifestLoad(server, image, image.manifestDigest, seconds));
  } finally {
    await server.stop();
  }
}
