// The two real clients a cold pull is timed with: skopeo (copies to a dir) and containerd (pulls and unpacks, through
// a hosts.toml mirror as a node would). Each pull starts from nothing on the client side.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skopeo, startContainerd, writeHostsToml } from '@berth/e2e';
import type { SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';

export type PullClient = 'skopeo' | 'containerd';

/** skopeo copy from the peer into a fresh dir; the dir is removed afterwards. */
export async function skopeoPull(peer: Peer, image: SeededImage): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-skopeo-'));
  try {
    await skopeo(['copy', '--src-tls-verify=false', `docker://${peer.host}/${image.repo}:${image.tag}`, `dir:${join(dir, 'out')}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A fresh containerd pulls docker.io/<repo>:<tag> with the peer as its mirror. The hosts.toml's own server is a
 * closed port, so a failing mirror fails the pull instead of falling back somewhere.
 */
export async function containerdPull(peer: Peer, image: SeededImage): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-ctd-hosts-'));
  const containerd = await startContainerd();
  try {
    await writeHostsToml(dir, 'docker.io', [{ url: peer.url }], 'http://127.0.0.1:9');
    const started = performance.now();
    await containerd.pull(`docker.io/${image.repo}:${image.tag}`, { hostsDir: dir });
    return (performance.now() - started) / 1000;
  } finally {
    await containerd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Wall time of one pull in seconds (containerd's own start-up is not counted). */
export async function timedPull(client: PullClient, peer: Peer, image: SeededImage): Promise<number> {
  if (client === 'containerd') return containerdPull(peer, image);
  const started = performance.now();
  await skopeoPull(peer, image);
  return (performance.now() - started) / 1000;
}
