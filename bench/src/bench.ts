// One bench run: seeds the upstream, then runs each measure against each peer, collecting figures. A measure that
// fails on one peer is recorded in `failures` and the run goes on, so one broken peer does not hide the others.
import { startRegistry } from '@berth/e2e';
import { fullSizes, seedUpstream, type BenchImages, type ImageName, type ImageSizes } from './images/seed.ts';
import { layer, type SeededImage } from './images/seeded-image.ts';
import { measureColdPull } from './measures/cold-pull.ts';
import { measureConcurrentPulls } from './measures/concurrent-pulls.ts';
import { measurePeakRss } from './measures/peak-rss.ts';
import { measureWarmBlob } from './measures/warm-blob.ts';
import { measureWarmManifest } from './measures/warm-manifest.ts';
import { warmUp } from './measures/warm-up.ts';
import { machineInfo } from './machine.ts';
import type { BenchOptions } from './options.ts';
import { startBerth } from './peers/berth.ts';
import { startDistributionProxy } from './peers/distribution.ts';
import { startNginx } from './peers/nginx.ts';
import type { Peer, PeerFactory } from './peers/peer.ts';
import type { BenchResults, CachePeerName, PullPeerName } from './results.ts';

const quickSizes: ImageSizes = { smallLayer: 10e6, bigLayers: [5e6, 5e6, 5e6, 5e6], hugeLayer: 200e6 };

export type Log = (line: string) => void;

export async function runBench(opts: BenchOptions, log: Log): Promise<BenchResults> {
  const started = performance.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    quick: opts.quick,
    seconds: 0,
    warmBlob: {},
    manifest: {},
    coldPull: {},
    concurrentPulls: {},
    failures: [],
  };
  const attempt = async (what: string, fn: () => Promise<void>) => {
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
    const wanted: ImageName[] = [];
    if (opts.measures.includes('warm-blob') || opts.measures.includes('manifest')) wanted.push('small', 'multi');
    if (opts.measures.includes('cold-pull') || opts.measures.includes('concurrent')) wanted.push('big');
    if (opts.measures.includes('rss')) wanted.push('huge');
    const images = await seedUpstream(upstream, opts.quick ? quickSizes : fullSizes, wanted);
    const big = () => seeded(images.big);
    const direct: Peer = { name: 'direct', url: upstream.url, host: upstream.host, stop: async () => {} };
    const factories: Partial<Record<PullPeerName, PeerFactory>> = { direct: async () => direct };
    if (opts.peers.includes('berth')) factories.berth = () => startBerth({ upstreamUrl: upstream.url });
    if (opts.peers.includes('distribution')) factories.distribution = () => startDistributionProxy(upstream.url);

    if (opts.measures.includes('warm-blob') || opts.measures.includes('manifest')) {
      for (const name of opts.peers) {
        await attempt(`warm loads on ${name}`, () => warmLoads(name, upstream.url, images, opts, results, log));
      }
    }
    if (opts.measures.includes('cold-pull')) {
      for (const [name, fresh] of Object.entries(factories) as [PullPeerName, PeerFactory][]) {
        await attempt(`cold pull through ${name}`, async () => {
          results.coldPull[name] = await measureColdPull(fresh, big(), opts.runs);
        });
      }
    }
    if (opts.measures.includes('concurrent')) {
      for (const [name, fresh] of Object.entries(factories) as [PullPeerName, PeerFactory][]) {
        await attempt(`concurrent cold pulls through ${name}`, async () => {
          results.concurrentPulls[name] = await measureConcurrentPulls(fresh, big(), upstream);
        });
      }
    }
    if (opts.measures.includes('rss') && factories.berth) {
      const fresh = factories.berth;
      const huge = seeded(images.huge);
      await attempt(`peak RSS of berth streaming ${Math.round(layer(huge).size / 1e6)} MB to many clients`, async () => {
        results.peakRss = await measurePeakRss(fresh, huge, opts.rssSeconds);
      });
    }
  } finally {
    await upstream.stop();
  }
  results.seconds = (performance.now() - started) / 1000;
  return results;
}

function seeded(image: SeededImage | undefined): SeededImage {
  if (!image) throw new Error('the image this measure needs was not seeded');
  return image;
}

async function startWarmPeer(name: CachePeerName, upstreamUrl: string, images: BenchImages): Promise<Peer> {
  if (name === 'berth') return startBerth({ upstreamUrl });
  if (name === 'distribution') return startDistributionProxy(upstreamUrl);
  const small = seeded(images.small);
  return startNginx({
    manifestMediaType: small.manifestMediaType,
    files: [
      { urlPath: `/v2/${small.repo}/manifests/${small.tag}`, content: small.manifestBytes },
      { urlPath: `/v2/${small.repo}/manifests/${small.manifestDigest}`, content: small.manifestBytes },
      ...(await Promise.all(
        small.blobs.map(async (b) => ({
          urlPath: `/v2/${small.repo}/blobs/${b.digest}`,
          content: new Uint8Array(await (await fetch(`${upstreamUrl}/v2/${small.repo}/blobs/${b.digest}`)).arrayBuffer()),
        })),
      )),
    ],
  });
}

async function warmLoads(
  name: CachePeerName,
  upstreamUrl: string,
  images: BenchImages,
  opts: BenchOptions,
  results: BenchResults,
  log: Log,
): Promise<void> {
  const peer = await startWarmPeer(name, upstreamUrl, images);
  try {
    const small = seeded(images.small);
    await warmUp(peer, small);
    if (name !== 'nginx') await warmUp(peer, seeded(images.multi));
    if (opts.measures.includes('warm-blob')) {
      const figures = await measureWarmBlob(peer, small, opts.loadSeconds);
      results.warmBlob[name] = Object.fromEntries(Object.entries(figures).map(([c, s]) => [c, s.megabytesPerSecond]));
      log(`  blob MB/s: ${Object.entries(results.warmBlob[name]).map(([c, v]) => `${c}→${Math.round(v)}`).join(' ')}`);
    }
    if (opts.measures.includes('manifest')) {
      const { tag, digest } = await measureWarmManifest(peer, small, opts.loadSeconds);
      const pick = (s: typeof tag) => ({ requestsPerSecond: s.requestsPerSecond, p50Ms: s.p50Ms, p99Ms: s.p99Ms });
      results.manifest[name] = { tag: pick(tag), digest: pick(digest) };
      log(`  manifest req/s: tag ${Math.round(tag.requestsPerSecond)}, digest ${Math.round(digest.requestsPerSecond)}`);
    }
  } finally {
    await peer.stop();
  }
}
