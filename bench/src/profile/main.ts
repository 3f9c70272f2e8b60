// Profiles Berth's proxy under the warm loads of the bench (blob GETs at 16 clients of a 100 MB layer, read from its
// files or streamed from S3-compatible object storage, and of the 10 MB one its hot-memory cache holds; manifest GETs
// by tag and by digest at 64) and under a cold
// skopeo pull of a 200 MB image, one `node --cpu-prof` run each, and prints the top frames of each.
// Run: pnpm exec tsx bench/src/profile/main.ts [--seconds N] [--keep DIR] [--only WORD] [--no-build]   (builds the proxy first)
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRegistry } from '@berth/e2e';
import { fullSizes, seedUpstream } from '../images/seed.ts';
import { layer, type SeededImage } from '../images/seeded-image.ts';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import { wrk } from '../load/wrk.ts';
import { skopeoPull } from '../measures/pull-clients.ts';
import { warmUp } from '../measures/warm-up.ts';
import { startBerth } from '../peers/berth.ts';
import { berthOnS3, startObjectStore } from '../peers/object-storage.ts';
import type { Peer } from '../peers/peer.ts';
import { buildProxy } from '../build-proxy.ts';
import { renderShares, topFiles, topFrames, type CpuProfile } from './top-frames.ts';


interface Images {
  small: SeededImage;
  big: SeededImage;
  /** The 100 MB single-layer image: a layer beyond the hot-memory cache. */
  layer: SeededImage;
}

/** A load on a fresh proxy; returns its figure in words. */
interface Load {
  name: string;
  /** Keep the proxy's store in a bucket of a real versitygw instead of a directory. */
  onS3?: boolean;
  run(peer: Peer, images: Images, seconds: number): Promise<string>;
}

function wrkLoad(name: string, connections: number, path: (i: SeededImage) => string, accept?: string, pick = (i: Images) => i.small): Load {
  return {
    name,
    async run(peer, images, seconds) {
      await warmUp(peer, pick(images));
      const s = await wrk({ url: `${peer.url}${path(pick(images))}`, connections, seconds, accept });
      return accept ? `${Math.round(s.requestsPerSecond)} req/s, p99 ${s.p99Ms.toFixed(1)} ms` : `${Math.round(s.megabytesPerSecond)} MB/s`;
    },
  };
}

const loads: Load[] = [
  wrkLoad('warm blob GET, 100 MB layer, 16 clients', 16, (i) => `/v2/${i.repo}/blobs/${layer(i).digest}`, undefined, (i) => i.layer),
  { ...wrkLoad('warm blob GET from S3, 100 MB layer, 16 clients', 16, (i) => `/v2/${i.repo}/blobs/${layer(i).digest}`, undefined, (i) => i.layer), onS3: true },
  wrkLoad('warm blob GET, 10 MB layer (hot memory), 16 clients', 16, (i) => `/v2/${i.repo}/blobs/${layer(i).digest}`),
  wrkLoad('warm manifest GET by tag, 64 clients', 64, (i) => `/v2/${i.repo}/manifests/${i.tag}`, MANIFEST_ACCEPT),
  wrkLoad('warm manifest GET by digest, 64 clients', 64, (i) => `/v2/${i.repo}/manifests/${i.manifestDigest}`, MANIFEST_ACCEPT),
  {
    name: 'cold skopeo pull of the 200 MB image',
    async run(peer, images) {
      const started = performance.now();
      await skopeoPull(peer, images.big);
      return `${((performance.now() - started) / 1000).toFixed(2)} s`;
    },
  },
];

async function profileLoad(load: Load, upstreamUrl: string, images: Images, seconds: number, dir: string): Promise<string> {
  const profileDir = join(dir, load.name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(profileDir, { recursive: true });
  const store = load.onS3 ? await startObjectStore() : undefined;
  let figure;
  try {
    const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profileDir];
    const peer = store ? await berthOnS3(store, upstreamUrl, false, nodeArgs)() : await startBerth({ upstreamUrl, nodeArgs });
    try {
      figure = await load.run(peer, images, seconds);
    } finally {
      await peer.stop(); // the profile is written when the process exits
    }
  } finally {
    await store?.stop();
  }
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return `#### ${load.name}\n\nno profile written: did the proxy exit gracefully on SIGTERM?`;
  const profile = JSON.parse(await readFile(join(profileDir, files[0] as string), 'utf8')) as CpuProfile;
  return [
    `### ${load.name}: ${figure}`,
    renderShares('self time by function', topFrames(profile, 20)),
    renderShares('self time by file', topFiles(profile, 12)),
  ].join('\n\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string' }, keep: { type: 'string' }, only: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
  });
  // --only cold: just the loads whose name holds the word.
  const chosen = loads.filter((l) => values.only === undefined || l.name.includes(values.only));
  if (chosen.length === 0) throw new Error(`no load named like "${values.only}"; one of: ${loads.map((l) => l.name).join('; ')}`);
  const seconds = Number(values.seconds ?? 10);
  if (values['no-build'] !== true) {
    await buildProxy();
  }
  const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'berth-bench-profile-')));
  const upstream = await startRegistry();
  try {
    const images = await seedUpstream(upstream, { ...fullSizes, warmLayers: [100e6] }, ['small', 'big', 'layers']);
    const hundred = images.layers?.[0];
    if (!images.small || !images.big || !hundred) throw new Error('images not seeded');
    const all = { small: images.small, big: images.big, layer: hundred };
    for (const load of chosen) console.log(`${await profileLoad(load, upstream.url, all, seconds, dir)}\n`);
  } finally {
    await upstream.stop();
    if (values.keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
