// Profiles Berth's proxy under the warm loads of the bench (blob GETs at 16 clients, manifest GETs by tag and by
// digest at 64), one `node --cpu-prof` run per load, and prints the top frames of each.
// Run: pnpm exec tsx bench/src/profile/main.ts [--seconds N] [--keep DIR]   (builds the proxy first)
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildImage, pushImage, startRegistry } from '@berth/e2e';
import { describeImage, layer, type SeededImage } from '../images/seeded-image.ts';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import { wrk } from '../load/wrk.ts';
import { warmUp } from '../measures/warm-up.ts';
import { startBerth } from '../peers/berth.ts';
import { run } from '../proc.ts';
import { renderShares, topFiles, topFrames, type CpuProfile } from './top-frames.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Load {
  name: string;
  connections: number;
  url: (base: string, image: SeededImage) => string;
  accept?: string;
}

const loads: Load[] = [
  { name: 'warm blob GET, 16 clients', connections: 16, url: (b, i) => `${b}/v2/${i.repo}/blobs/${layer(i).digest}` },
  { name: 'warm manifest GET by tag, 64 clients', connections: 64, url: (b, i) => `${b}/v2/${i.repo}/manifests/${i.tag}`, accept: MANIFEST_ACCEPT },
  {
    name: 'warm manifest GET by digest, 64 clients',
    connections: 64,
    url: (b, i) => `${b}/v2/${i.repo}/manifests/${i.manifestDigest}`,
    accept: MANIFEST_ACCEPT,
  },
];

async function profileLoad(load: Load, upstreamUrl: string, image: SeededImage, seconds: number, dir: string): Promise<string> {
  const profileDir = join(dir, load.name.replace(/[^a-z0-9]+/gi, '-'));
  await mkdir(profileDir, { recursive: true });
  const peer = await startBerth({ upstreamUrl, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  let summary;
  try {
    await warmUp(peer, image);
    summary = await wrk({ url: load.url(peer.url, image), connections: load.connections, seconds, accept: load.accept });
  } finally {
    await peer.stop(); // the profile is written when the process exits
  }
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return `#### ${load.name}\n\nno profile written: did the proxy exit gracefully on SIGTERM?`;
  const profile = JSON.parse(await readFile(join(profileDir, files[0] as string), 'utf8')) as CpuProfile;
  const figure = load.accept
    ? `${Math.round(summary.requestsPerSecond)} req/s, p99 ${summary.p99Ms.toFixed(1)} ms`
    : `${Math.round(summary.megabytesPerSecond)} MB/s`;
  return [
    `### ${load.name}: ${figure}`,
    renderShares('self time by function', topFrames(profile, 20)),
    renderShares('self time by file', topFiles(profile, 12)),
  ].join('\n\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, keep: { type: 'string' } } });
  const seconds = Number(values.seconds ?? 10);
  const tsc = createRequire(`${repoRoot}package.json`).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-b', 'proxy'], { cwd: repoRoot });
  const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'berth-bench-profile-')));
  const upstream = await startRegistry();
  try {
    const built = await buildImage({ layerSizes: [10e6] });
    try {
      await pushImage(built, `${upstream.host}/library/small:v1`);
    } finally {
      await built.dispose();
    }
    const image = await describeImage(upstream.url, 'library/small', 'v1');
    for (const load of loads) console.log(`${await profileLoad(load, upstream.url, image, seconds, dir)}\n`);
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
