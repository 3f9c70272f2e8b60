// Pulls an image through a cache once, so the warm measures read what it has stored; checks every byte on the way,
// so a cache serving wrong content cannot post a fast figure.
import { getBlob, getManifest } from '../images/registry-client.ts';
import { digestOf, type SeededImage } from '../images/seeded-image.ts';
import type { Peer } from '../peers/peer.ts';

export async function warmUp(peer: Peer, image: SeededImage): Promise<void> {
  for (const reference of [image.tag, image.manifestDigest]) {
    const manifest = await getManifest(peer.url, image.repo, reference);
    if (manifest.digest !== image.manifestDigest) {
      throw new Error(`${peer.name} served ${image.repo}:${reference} as ${manifest.digest}, upstream has ${image.manifestDigest}`);
    }
  }
  for (const blob of image.blobs) {
    const bytes = await getBlob(peer.url, image.repo, blob.digest);
    if (digestOf(bytes) !== blob.digest) throw new Error(`${peer.name} served wrong bytes for ${blob.digest}`);
  }
}
