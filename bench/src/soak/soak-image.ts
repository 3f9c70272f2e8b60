// An image the soak pushed to an upstream, with everything a client needs to check a pull of it: the digests and
// sizes of the manifest (and of the linux/amd64 manifest when the tag names an index) and of every blob.
import { randomBytes } from 'node:crypto';
import { putManifest, uploadSmallBlob, type BasicAuth } from '../images/registry-client.ts';
import { digestOf, type Blob } from '../images/seeded-image.ts';

export interface SoakImage {
  repo: string;
  tag: string;
  /** What the tag names: a manifest, or an index. */
  top: Blob;
  /** For an index: the platform manifest a linux/amd64 client goes on to. */
  platform?: Blob;
  /** Config and layers of that manifest. */
  blobs: Blob[];
}

export interface PushTarget {
  url: string;
  auth?: BasicAuth;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Pushes an OCI image of random layers of these sizes under `tag`; with `multiArch`, an index of amd64 and arm64. */
export async function pushRandomImage(target: PushTarget, repo: string, tag: string, layerSizes: readonly number[], multiArch = false): Promise<SoakImage> {
  if (!multiArch) {
    const image = await pushManifestOf(target, repo, tag, 'amd64', layerSizes);
    return { repo, tag, top: image.manifest, blobs: image.blobs };
  }
  const amd64 = await pushManifestOf(target, repo, undefined, 'amd64', layerSizes);
  const arm64 = await pushManifestOf(target, repo, undefined, 'arm64', layerSizes);
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { mediaType: OCI_MANIFEST, ...amd64.manifest, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: OCI_MANIFEST, ...arm64.manifest, platform: { architecture: 'arm64', os: 'linux' } },
    ],
  });
  await putManifest(target.url, repo, tag, OCI_INDEX, index, target.auth);
  return { repo, tag, top: { digest: digestOf(Buffer.from(index)), size: Buffer.byteLength(index) }, platform: amd64.manifest, blobs: amd64.blobs };
}

/** Config and layers, then the manifest under `tag` (or only by its digest, for an index's entries). */
async function pushManifestOf(target: PushTarget, repo: string, tag: string | undefined, architecture: string, layerSizes: readonly number[]) {
  const layers: Blob[] = [];
  for (const size of layerSizes) layers.push(await uploadSmallBlob(target.url, repo, randomBytes(size), target.auth));
  const configBytes = Buffer.from(JSON.stringify({
    // The nonce keeps configs of equal-looking images in different upstreams apart: a digest found in two upstreams
    // would make the cross-project access checks ambiguous.
    architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { 'berth.soak': randomBytes(8).toString('hex') } },
  }));
  const config = await uploadSmallBlob(target.url, repo, configBytes, target.auth);
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...l })),
  });
  const manifest = { digest: digestOf(Buffer.from(body)), size: Buffer.byteLength(body) };
  await putManifest(target.url, repo, tag ?? manifest.digest, OCI_MANIFEST, body, target.auth);
  return { manifest, blobs: [config, ...layers] };
}
