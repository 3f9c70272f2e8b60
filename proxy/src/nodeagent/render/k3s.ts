// k3s / RKE2: registries.yaml is one file shared with whoever set up the node, so the agent merges only the
// entries it owns (mirrors.<registry>, and configs.<cache host> when TLS needs settings) and keeps the rest,
// comments included. k3s applies it on restart; an endpoint path other than /v2 gets override_path from k3s.
import { Document, parseDocument } from 'yaml';
import type { MirroredRegistry } from '../config.ts';
import { isDefaultUpstream } from './crio.ts';

/** One key the agent owns in registries.yaml: ['mirrors', 'docker.io'] or ['configs', '10.96.0.50:5000']. */
export type YamlKey = readonly [string, string];

export interface YamlEntry {
  key: YamlKey;
  value: unknown;
}

export function k3sEntries(r: MirroredRegistry): YamlEntry[] {
  const endpoint = [r.mirror + r.pathPrefix];
  if (!isDefaultUpstream(r.registry, new URL(r.upstream))) endpoint.push(r.upstream);
  const entries: YamlEntry[] = [{ key: ['mirrors', r.registry], value: { endpoint } }];
  const mirror = new URL(r.mirror);
  if (mirror.protocol === 'https:' && (r.tls.insecureSkipVerify || r.tls.caFile !== undefined)) {
    const tls: Record<string, unknown> = {};
    if (r.tls.caFile !== undefined) tls.ca_file = r.tls.caFile;
    if (r.tls.insecureSkipVerify) tls.insecure_skip_verify = true;
    entries.push({ key: ['configs', mirror.host], value: { tls } });
  }
  return entries;
}

/** Reads the value at key, or undefined when the file or the key is absent. */
export function readYamlKey(text: string | undefined, key: YamlKey): unknown {
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  const node = doc.getIn(key, false);
  return node === undefined ? undefined : (doc.toJS() as Record<string, Record<string, unknown>>)[key[0]]?.[key[1]];
}

/** Sets (or, with undefined, deletes) each key and returns the new text; other entries stay as they were. */
export function mergeYamlKeys(text: string | undefined, changes: { key: YamlKey; value: unknown }[]): string {
  const doc = text === undefined || text.trim() === '' ? new Document({}) : parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`registries.yaml is not valid YAML: ${doc.errors[0]?.message}`);
  for (const { key, value } of changes) {
    if (value === undefined) {
      doc.deleteIn(key);
      const parent = doc.getIn([key[0]]) as { items?: unknown[] } | undefined;
      if (parent?.items?.length === 0) doc.deleteIn([key[0]]);
    } else {
      doc.setIn(key, doc.createNode(value));
    }
  }
  const out = doc.toString();
  return out.trim() === '{}' ? '' : out;
}
