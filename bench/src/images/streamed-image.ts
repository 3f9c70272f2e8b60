// A single-layer image of a given size (the 100 MB and 1 GB layers of the warm and concurrent measures), streamed
// straight into the upstream registry: building it with umoci would gzip 1 GB on one core and hold it twice on
// disk, and the bench process never holds more than one 4 MiB chunk. Its bytes are a random 4 MiB pattern with each
// chunk's index stamped in, so no two chunks are equal; nothing unpacks this layer.
import { randomBytes } from 'node:crypto';
import { putManifest, uploadBlob, uploadSmallBlob } from './registry-client.ts';
import { digestOf, type SeededImage } from './seeded-image.ts';

const CHUNK = 4 * 1024 * 1024;

export async function pushStreamedImage(upstreamUrl: string, repo: string, tag: string, bytes: number): Promise<SeededImage> {
  const pattern = randomBytes(CHUNK);
  async function* chunks(): AsyncIterable<Uint8Array> {
    for (let offset = 0, index = 0; offset < bytes; offset += CHUNK, index++) {
      const chunk = Buffer.from(pattern.subarray(0, Math.min(CHUNK, bytes - offset)));
      chunk.writeUInt32BE(index, 0);
      yield chunk;
    }
  }
  const layer = await uploadBlob(upstreamUrl, repo, chunks());
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const config = await uploadSmallBlob(upstreamUrl, repo, configBytes);
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size }],
  });
  await putManifest(upstreamUrl, repo, tag, mediaType, manifest);
  return {
    repo,
    tag,
    manifestDigest: digestOf(Buffer.from(manifest)),
    manifestMediaType: mediaType,
    manifestBytes: new Uint8Array(Buffer.from(manifest)),
    blobs: [config, layer],
  };
}
