// Test images built with umoci: each layer one file of random bytes of the given size; a multi-arch image is an
// OCI index of a linux/amd64 and a linux/arm64 image (different random layers each).
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../testbed/run.ts';
import { tempDir } from '../testbed/temp.ts';
import { OCI_INDEX, readBlobJson, tagDescriptor, taggedDescriptor, writeBlobJson, type Descriptor } from './oci-layout.ts';
import { writeRandomFile } from './random-file.ts';

export interface PlatformImage {
  platform: { architecture: string; os: string };
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
}

export interface TestImage {
  /** For skopeo: oci:DIR:TAG */
  readonly ref: string;
  /** The digest of what the tag points at: the manifest, or for a multi-arch image the index. */
  readonly manifestDigest: string;
  /** Every layer, of every platform. */
  readonly layerDigests: string[];
  /** One entry per platform (a single one for a single-arch image). */
  readonly platforms: PlatformImage[];
  /** The OCI layout directory, to read blobs from (`blobs/sha256/<hex>`). */
  readonly layoutDir: string;
  dispose(): Promise<void>;
}

export interface BuildOptions {
  /** Size in bytes of each layer, in order. */
  layerSizes: number[];
  /**
   * A first layer with Debian's static busybox (/bin/busybox, /bin/sh) and an entrypoint that waits until
   * stopped: an image a real node can start as a pod (the random layers alone hold no program).
   */
  runnable?: boolean;
}

/** Debian's busybox-static (e2e/setup/debian.sh installs it): one static binary, no libraries to copy. */
const BUSYBOX = '/bin/busybox';

const TAG = 'v1';

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

/** Builds one platform's image under `tag` in the layout. */
async function buildPlatform(layout: string, work: string, tag: string, arch: string, layerSizes: number[], runnable = false): Promise<PlatformImage> {
  const image = `${layout}:${tag}`;
  await run('umoci', ['new', '--image', image]);
  await run('umoci', ['config', '--image', image, '--os', 'linux', '--architecture', arch]);
  const bundle = join(work, `bundle-${tag}`);
  await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
  if (runnable) {
    await mkdir(join(bundle, 'rootfs', 'bin'), { recursive: true });
    await copyFile(BUSYBOX, join(bundle, 'rootfs', 'bin', 'busybox'));
    await symlink('busybox', join(bundle, 'rootfs', 'bin', 'sh'));
    await run('umoci', ['repack', '--refresh-bundle', '--image', image, bundle]);
  }
  for (const [i, size] of layerSizes.entries()) {
    await writeRandomFile(join(bundle, 'rootfs', `layer-${i}.bin`), size);
    // --refresh-bundle: the next repack only packs what was added since this one, so each file is one layer.
    await run('umoci', ['repack', '--refresh-bundle', '--image', image, bundle]);
  }
  await rm(bundle, { recursive: true, force: true });
  if (runnable) {
    // last: a repack writes the config the bundle was unpacked with. PID 1 ignores signals it has no handler for:
    // the trap lets the kubelet's SIGTERM end the pod at once.
    const script = 'trap "exit 0" TERM; while :; do sleep 1 & wait $!; done';
    await run('umoci', ['config', '--image', image, '--config.entrypoint', '/bin/sh', '--config.cmd', '-c', '--config.cmd', script]);
  }
  const descriptor = await taggedDescriptor(layout, tag);
  const manifest = await readBlobJson<Manifest>(layout, descriptor.digest);
  return {
    platform: { architecture: arch, os: 'linux' },
    manifestDigest: descriptor.digest,
    configDigest: manifest.config.digest,
    layerDigests: manifest.layers.map((l) => l.digest),
  };
}

async function newLayout(prefix: string) {
  const work = await tempDir(prefix);
  const layout = join(work.path, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  return { work, layout };
}

function testImage(work: { path: string; remove(): Promise<void> }, layout: string, manifestDigest: string, platforms: PlatformImage[]): TestImage {
  return {
    ref: `oci:${layout}:${TAG}`,
    manifestDigest,
    layerDigests: platforms.flatMap((p) => p.layerDigests),
    platforms,
    layoutDir: layout,
    dispose: () => work.remove(),
  };
}

/** A linux/amd64 image with one random layer per entry of `layerSizes`, tagged v1. */
export async function buildImage(opts: BuildOptions): Promise<TestImage> {
  const { work, layout } = await newLayout('berth-image');
  try {
    const image = await buildPlatform(layout, work.path, TAG, 'amd64', opts.layerSizes, opts.runnable);
    return testImage(work, layout, image.manifestDigest, [image]);
  } catch (err) {
    await work.remove();
    throw err;
  }
}

/** An OCI index tagged v1 over a linux/amd64 and a linux/arm64 image, each with layers of `layerSizes`. */
export async function buildMultiArchImage(opts: BuildOptions): Promise<TestImage> {
  const { work, layout } = await newLayout('berth-image');
  try {
    const platforms: PlatformImage[] = [];
    for (const arch of ['amd64', 'arm64']) platforms.push(await buildPlatform(layout, work.path, arch, arch, opts.layerSizes));
    const manifests: Descriptor[] = [];
    for (const p of platforms) {
      const { mediaType, digest, size } = await taggedDescriptor(layout, p.platform.architecture);
      manifests.push({ mediaType, digest, size, platform: p.platform });
    }
    const index = await writeBlobJson(layout, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests });
    await tagDescriptor(layout, TAG, index);
    return testImage(work, layout, index.digest, platforms);
  } catch (err) {
    await work.remove();
    throw err;
  }
}
