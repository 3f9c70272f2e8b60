// Manifest media types the proxy asks upstreams for and serves (the types themselves: @berth/contracts/oci), and
// what the proxy reads from a manifest body and a client's Accept header.
import { DOCKER_LIST, DOCKER_V1_SIGNED, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST } from '@berth/contracts/oci';

export { DOCKER_LIST, DOCKER_MANIFEST, DOCKER_V1_SIGNED, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST, UPSTREAM_ACCEPT } from '@berth/contracts/oci';

/** Manifests larger than this are refused (the spec lets registries set a limit; 4 MiB is distribution's). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The media type of a manifest body, from its mediaType field, else by shape. */
export function sniffMediaType(body: Uint8Array, fallback?: string): string {
  try {
    const doc = JSON.parse(Buffer.from(body).toString('utf8')) as { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
    if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
    if (doc.schemaVersion === 1) return DOCKER_V1_SIGNED;
    if (Array.isArray(doc.manifests)) return OCI_INDEX;
    return fallback && fallback !== 'application/octet-stream' ? fallback : OCI_MANIFEST;
  } catch {
    return fallback ?? OCI_MANIFEST;
  }
}

/** Digests a manifest references: config, layers and child manifests (what retention must keep with it). */
export function referencedDigests(body: Uint8Array): string[] {
  try {
    const doc = JSON.parse(Buffer.from(body).toString('utf8')) as {
      config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[];
      subject?: { digest?: unknown }; fsLayers?: { blobSum?: unknown }[];
    };
    const out: unknown[] = [doc.config?.digest, ...(doc.layers ?? []).map((l) => l.digest),
      ...(doc.manifests ?? []).map((m) => m.digest), ...(doc.fsLayers ?? []).map((l) => l.blobSum)];
    return out.filter((d): d is string => typeof d === 'string');
  } catch {
    return [];
  }
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_LIST;
}

/**
 * The manifest media types a client's Accept header names, without parameters; undefined when the header names none
 * of them or names a wildcard (`*\/*`, `application/*`, `application/json`): such a client takes what is stored.
 */
export function acceptedManifestTypes(accept: string | string[] | undefined): readonly string[] | undefined {
  if (!accept) return undefined;
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  // Clients send a handful of distinct headers, each on every manifest GET: parsed once each. Bounded, as any
  // client may send any header.
  if (parsedAccept.has(header)) return parsedAccept.get(header);
  if (parsedAccept.size >= MAX_PARSED_ACCEPT) parsedAccept.clear();
  const types = parseAccept(header);
  parsedAccept.set(header, types);
  return types;
}

const MAX_PARSED_ACCEPT = 256;
const parsedAccept = new Map<string, readonly string[] | undefined>();

function parseAccept(header: string): readonly string[] | undefined {
  const types = header
    .split(',').map((part) => part.split(';')[0]!.trim().toLowerCase()).filter((t) => t !== '');
  if (types.some((t) => t === '*/*' || t === 'application/*' || t === 'application/json')) return undefined;
  const known = types.filter((t) => (MANIFEST_TYPES as readonly string[]).includes(t));
  return known.length > 0 ? Object.freeze(known) : undefined;
}
