// The images the real node needs and no registry off the machine may provide, built here with umoci and pushed
// to the cluster registry with skopeo (as e2e/src/images does for test images):
// - pause: the sandbox program of e2e/toolchain/pause (static Go), the CRI's sandbox_image;
// - busybox: Debian's busybox-static with its applets as symlinks, for pods that run `sh -c`.
// Pushed only when the registry lacks the tag (its storage outlives `down`).
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../testbed/run.ts';
import { busyboxImage, pauseImage } from './realnode.ts';

/** True when the registry has a manifest for `ref` (host:port/name:tag). */
export function imagePresent(ref: string): Promise<boolean> {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  const url = `http://${ref.slice(0, slash)}/v2/${ref.slice(slash + 1, colon)}/manifests/${ref.slice(colon + 1)}`;
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', timeout: 5_000, headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Builds a one-layer linux/amd64 image whose rootfs `fill` writes, and pushes it to `ref`. */
export async function buildAndPush(ref: string, entrypoint: string[], fill: (rootfs: string) => Promise<void>): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'berth-nodeimg-'));
  try {
    const layout = join(work, 'oci');
    const image = `${layout}:1`;
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', image]);
    await run('umoci', ['config', '--image', image, '--os', 'linux', '--architecture', 'amd64', ...entrypoint.flatMap((e) => ['--config.entrypoint', e])]);
    const bundle = join(work, 'bundle');
    await run('umoci', ['unpack', '--image', image, bundle]);
    await fill(join(bundle, 'rootfs'));
    await run('umoci', ['repack', '--image', image, bundle]);
    await run('skopeo', ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${image}`, `docker://${ref}`]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function ensurePauseImage(pauseBinary: string): Promise<void> {
  if (await imagePresent(pauseImage)) return;
  await buildAndPush(pauseImage, ['/pause'], async (rootfs) => {
    await copyFile(pauseBinary, join(rootfs, 'pause'));
  });
}

export async function ensureBusyboxImage(busybox = '/bin/busybox'): Promise<void> {
  if (await imagePresent(busyboxImage)) return;
  await buildAndPush(busyboxImage, ['/bin/sh'], async (rootfs) => {
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
    const applets = (await run(busybox, ['--list'])).split('\n').filter((a) => a !== '' && a !== 'busybox');
    for (const a of applets) await symlink('busybox', join(rootfs, 'bin', a));
    for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev']) await mkdir(join(rootfs, d), { recursive: true });
  });
}
