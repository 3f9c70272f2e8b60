// Images written byte by byte into an upstream registry over the distribution push API: when a test needs exact
// control over which blobs images share (retention) or a manifest no image tool would build (too large).
import { sha256 } from './fixture.ts';

export interface Handmade {
  /** The manifest's digest. */
  digest: string;
  config: string;
  layers: string[];
}

/** Uploads `bytes` as a blob of `repository` (monolithic upload); gives its digest. */
export async function pushBlob(registryUrl: string, repository: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`blob upload to ${repository} answered ${start.status}`);
  const location = new URL(start.headers.get('location')!, registryUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob PUT to ${repository} answered ${put.status}`);
  return digest;
}

/** PUTs a manifest body under `reference` (a tag or its digest); gives its digest. */
export async function pushManifest(registryUrl: string, repository: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`manifest PUT to ${repository}:${reference} answered ${put.status}: ${text.slice(0, 300)}`);
  return sha256(body);
}

/** An OCI image of one config and these layers (pushed first), tagged `tag`. */
export async function pushHandmadeImage(registryUrl: string, repository: string, tag: string, layers: Buffer[]): Promise<Handmade> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, repository, tag, layers: layers.map(sha256) }));
  const configDigest = await pushBlob(registryUrl, repository, config);
  const layerDigests: string[] = [];
  for (const layer of layers) layerDigests.push(await pushBlob(registryUrl, repository, layer));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.byteLength },
    layers: layers.map((l, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigests[i], size: l.byteLength })),
  };
  const digest = await pushManifest(registryUrl, repository, tag, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
  return { digest, config: configDigest, layers: layerDigests };
}

