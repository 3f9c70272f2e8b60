// Reads and extends an OCI image layout (index.json + blobs/sha256/…), as umoci writes it.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string };
  annotations?: Record<string, string>;
}

interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'));
}

async function readIndex(layout: string): Promise<Index> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as Index;
}

export async function taggedDescriptor(layout: string, tag: string): Promise<Descriptor> {
  const found = (await readIndex(layout)).manifests.find((d) => d.annotations?.[REF_NAME] === tag);
  if (!found) throw new Error(`no tag ${tag} in the OCI layout ${layout}`);
  return found;
}

export async function readBlobJson<T>(layout: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(blobPath(layout, digest), 'utf8')) as T;
}

/** Writes a JSON blob and returns its descriptor. */
export async function writeBlobJson(layout: string, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await writeFile(blobPath(layout, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** Points `tag` at `descriptor` in the layout's index.json (replacing what it pointed at). */
export async function tagDescriptor(layout: string, tag: string, descriptor: Descriptor): Promise<void> {
  const index = await readIndex(layout);
  index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== tag);
  index.manifests.push({ ...descriptor, annotations: { [REF_NAME]: tag } });
  await writeFile(join(layout, 'index.json'), JSON.stringify(index));
}
