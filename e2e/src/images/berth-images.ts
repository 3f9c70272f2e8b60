// Berth's own images (berth-proxy, berth-operator) for the tests: built by e2e/setup/images/build.sh, the script
// behind `./dev images` (buildah, local bases from Debian's archive and the npm registry, layer cache kept between
// runs), and pushed with skopeo to a registry on loopback.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testbed/repo.ts';
import { run } from '../testbed/run.ts';

export type BerthImageName = 'proxy' | 'operator';

/** References in buildah's local storage (containers-storage), e.g. localhost/berth-dev/berth-proxy:0.1.0. */
export interface BerthImages {
  proxy: string;
  operator: string;
  /** The image IDs (sha256 of the config): equal across builds of the same sources. */
  ids: Record<BerthImageName, string>;
}

/** References in the registry pushed to, e.g. 127.0.0.1:5000/berth-dev/berth-proxy:0.1.0, and their digests. */
export interface PushedImages {
  proxy: string;
  operator: string;
  /** Manifest digests as pushed (sha256:…): `<repository>@<digest>` pins the image. */
  digests: Record<BerthImageName, string>;
}

/** The repository path of each image under a registry (the chart's defaults: ghcr.io/berth-dev/berth-*). */
export const berthRepository = (name: BerthImageName): string => `berth-dev/berth-${name}`;

let built: Promise<BerthImages> | undefined;

/**
 * Builds both images unless buildah's layer cache already holds them (seconds when nothing changed; a first build
 * on 2 cores takes minutes). Once per process; rejects with build.sh's error output.
 */
export function ensureBerthImages(): Promise<BerthImages> {
  built ??= buildImages().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

async function buildImages(): Promise<BerthImages> {
  const out = await run(join(repoRoot(), 'e2e', 'setup', 'images', 'build.sh'), [], { cwd: repoRoot(), timeoutMs: 30 * 60_000 });
  const lines = new Map(out.trim().split('\n').map((line) => {
    const [name = '', ref = '', id = ''] = line.split(' ');
    return [name, { ref, id }] as const;
  }));
  const proxy = lines.get('proxy');
  const operator = lines.get('operator');
  if (!proxy || !operator) throw new Error(`build.sh printed no image for proxy or operator:\n${out}`);
  return { proxy: proxy.ref, operator: operator.ref, ids: { proxy: proxy.id, operator: operator.id } };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/;

/**
 * Builds (cached) and pushes both images to `registry` (host:port on loopback, plain HTTP) under
 * berth-dev/berth-{proxy,operator} with the build's tag. Pushing what the registry already holds sends only the
 * manifests.
 */
export async function pushBerthImages(registry: string): Promise<PushedImages> {
  if (!LOOPBACK.test(registry)) throw new Error(`pushBerthImages pushes over plain HTTP, to loopback only: ${registry}`);
  const images = await ensureBerthImages();
  const dir = await mkdtemp(join(tmpdir(), 'berth-push-'));
  try {
    const push = async (name: BerthImageName): Promise<[string, string]> => {
      const local = images[name];
      const dest = `${registry}/${berthRepository(name)}:${local.slice(local.lastIndexOf(':') + 1)}`;
      const digestFile = join(dir, name);
      await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile, `containers-storage:${local}`, `docker://${dest}`]);
      return [dest, (await readFile(digestFile, 'utf8')).trim()];
    };
    const [[proxy, proxyDigest], [operator, operatorDigest]] = await Promise.all([push('proxy'), push('operator')]);
    return { proxy, operator, digests: { proxy: proxyDigest, operator: operatorDigest } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
