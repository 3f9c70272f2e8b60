// An image as it sits in the upstream registry, with what the measures need to know about it.
import { createHash } from 'node:crypto';
import { getManifest } from './registry-client.ts';

export interface Blob {
  digest: string;
  size: number;
}

export interface SeededImage {
  /** library/small */
  repo: string;
  tag: string;
  manifestDigest: string;
  manifestMediaType: string;
  manifestBytes: Uint8Array;
  /** The config and layers of a single-platform image; empty for an index. */
  blobs: Blob[];
}

export function imageBytes(image: SeededImage): number {
  return image.blobs.reduce((sum, b) => sum + b.size, 0);
}

export function layer(image: SeededImage, index = 0): Blob {
  const layers = image.blobs.slice(1);
  const found = layers[index];
  if (!found) throw new Error(`${image.repo}:${image.tag} has no layer ${index}`);
  return found;
}

/** Reads back a pushed image from the upstream registry: its manifest bytes as served, and its blobs. */
export async function describeImage(upstreamUrl: string, repo: string, tag: string): Promise<SeededImage> {
  const manifest = await getManifest(upstreamUrl, repo, tag);
  const parsed = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as {
    config?: Blob;
    layers?: Blob[];
  };
  const blobs = parsed.config ? [parsed.config, ...(parsed.layers ?? [])].map((b) => ({ digest: b.digest, size: b.size })) : [];
  return {
    repo,
    tag,
    manifestDigest: manifest.digest,
    manifestMediaType: manifest.mediaType,
    manifestBytes: manifest.bytes,
    blobs,
  };
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
