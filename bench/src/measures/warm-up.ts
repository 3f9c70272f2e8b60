// Pulls an image through a cache once, so the warm measures read what it has stored; checks every byte on the way,
// so a cache serving wrong content cannot post a fast figure. Blobs are hashed as they stream in: a 1 GB layer is
// never held by the bench.
import { createHash } from 'node:crypto';
import { getManifest } from '../images/registry-client.ts';
import type { SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';

async function streamedDigest(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel();
    throw new Error(`GET ${url}: ${res.status}`);
  }
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

export async function warmUp(peer: Peer, image: SeededImage): Promise<void> {
  for (const reference of [image.tag, image.manifestDigest]) {
    const manifest = await getManifest(peer.url, image.repo, reference);
    if (manifest.digest !== image.manifestDigest) {
      throw new Error(`${peer.name} served ${image.repo}:${reference} as ${manifest.digest}, upstream has ${image.manifestDigest}`);
    }
  }
  for (const blob of image.blobs) {
    const digest = await streamedDigest(`${peer.url}/v2/${image.repo}/blobs/${blob.digest}`);
    if (digest !== blob.digest) throw new Error(`${peer.name} served wrong bytes for ${blob.digest}`);
  }
}
