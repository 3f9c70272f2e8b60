// k3s / RKE2: registries.yaml is one file shared with whoever set up the node, so the agent merges only the keys
// it owns and keeps the rest, comments included: mirrors.<registry> whole, and under configs.<cache host> only
// the TLS leaves it needs (tls.ca_file, tls.insecure_skip_verify) — the site's auth for that host stays.
// How k3s reads the file, from its own code (k3s v1.32.0+k3s1 pkg/agent/containerd/config.go getHostConfigs,
// wharfie v0.7.1 registries types):
// - an endpoint's configs entry is looked up by the endpoint URL's host exactly as written (Go url.Parse keeps
//   ":443"), so the key is the mirror's host[:port] as the agent writes it in the endpoint, never a normalised one;
// - an endpoint path other than "", "/" or "/v2" gets override_path;
// - https://<registry>/v2 (registry-1.docker.io for docker.io) is added as `server`, the last fallback, unless
//   k3s runs with --disable-default-registry-endpoint. Then the agent lists the upstream itself, so nodes still
//   pull when the cache is down. A non-default upstream is listed after the cache in both cases; with the default
//   endpoint on, k3s still adds the registry's own host after it (k3s has no per-registry switch for that) — and
//   so it does with the flag when the file has a configs.<registry> entry (the site's credentials for the registry
//   itself): getHostConfigs builds that registry's config from configs first and only drops the default of a
//   mirror it had not seen there.
import { Document, isMap, isScalar, parseDocument } from 'yaml';
import type { MirroredRegistry } from '@berth/contracts/node-agent';
import { isDefaultUpstream } from './crio.ts';

/** A path of keys the agent owns in registries.yaml: ['mirrors', 'docker.io'], ['configs', 'h:443', 'tls', 'ca_file']. */
export type YamlKey = readonly string[];

export interface YamlEntry {
  key: YamlKey;
  value: unknown;
}

export interface K3sOptions {
  /** k3s/RKE2 runs with --disable-default-registry-endpoint: no `server` fallback unless listed. */
  defaultEndpointDisabled: boolean;
}

export function k3sEntries(r: MirroredRegistry, opts: K3sOptions = { defaultEndpointDisabled: false }): YamlEntry[] {
  const endpoint = [r.mirror + r.pathPrefix];
  if (opts.defaultEndpointDisabled || !isDefaultUpstream(r.registry, new URL(r.upstream))) endpoint.push(r.upstream);
  const entries: YamlEntry[] = [{ key: ['mirrors', r.registry], value: { endpoint } }];
  if (r.mirror.startsWith('https://')) {
    const host = endpointHost(r.mirror);
    if (r.tls.caFile !== undefined) entries.push({ key: ['configs', host, 'tls', 'ca_file'], value: r.tls.caFile });
    if (r.tls.insecureSkipVerify) entries.push({ key: ['configs', host, 'tls', 'insecure_skip_verify'], value: true });
  }
  return entries;
}

/** The host[:port] of a URL as written: "https://cache:443" → "cache:443" (WHATWG URL would drop the :443). */
export function endpointHost(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(url);
  if (!m) throw new Error(`not a URL: ${url}`);
  return (m[1] as string).replace(/^[^@]*@/, '');
}

/**
 * Whether k3s will add https://<registry>/v2 after the endpoints the agent lists (see the header); `registriesYaml`
 * is the file as k3s will read it.
 */
export function k3sAddsPublicFallback(r: MirroredRegistry, opts: K3sOptions, registriesYaml: string | undefined): boolean {
  if (isDefaultUpstream(r.registry, new URL(r.upstream))) return false;
  return !opts.defaultEndpointDisabled || k3sKeepsDefaultEndpoint(r.registry, registriesYaml);
}

/** configs.<registry> is there (even empty): k3s keeps the registry's default endpoint despite the flag. */
export function k3sKeepsDefaultEndpoint(registry: string, registriesYaml: string | undefined): boolean {
  return readYamlKey(registriesYaml, ['configs', registry]) !== undefined;
}

/**
 * Whether the hosts.toml k3s rendered for r's registry lists the agent's endpoint with the TLS settings the agent
 * asked for (k3s writes `ca` and `skip_verify` into that endpoint's own table): a k3s that has not restarted since
 * runs an older file.
 */
export function k3sRenderedEndpoint(r: MirroredRegistry, hostsToml: string | undefined): boolean {
  const header = `[host.${JSON.stringify(r.mirror + r.pathPrefix)}]`;
  const start = hostsToml?.indexOf(header) ?? -1;
  if (hostsToml === undefined || start < 0) return false;
  const next = hostsToml.indexOf('\n[host.', start + header.length);
  const table = hostsToml.slice(start, next < 0 ? undefined : next);
  if (!r.mirror.startsWith('https://')) return true;
  const ca = r.tls.caFile === undefined || table.includes(`ca = [${JSON.stringify(r.tls.caFile)}]`);
  return ca && (!r.tls.insecureSkipVerify || /^\s*skip_verify = true$/m.test(table));
}

/** Reads the value at key, or undefined when the file or the key is absent. */
export function readYamlKey(text: string | undefined, key: YamlKey): unknown {
  if (text === undefined) return undefined;
  let value: unknown = parseDocument(text).toJS();
  for (const k of key) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !(k in value)) return undefined;
    value = (value as Record<string, unknown>)[k];
  }
  return value;
}

/**
 * Sets (or, with undefined, deletes) each key and returns the new text; other entries stay as they were. A
 * deletion also drops the maps it leaves empty on the way up, so taking back configs.<host>.tls.ca_file leaves
 * no `configs: {h: {tls: {}}}` behind.
 */
export function mergeYamlKeys(text: string | undefined, changes: { key: YamlKey; value: unknown }[]): string {
  const doc = text === undefined || text.trim() === '' ? new Document({}) : parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`registries.yaml is not valid YAML: ${doc.errors[0]?.message}`);
  for (const { key, value } of changes) {
    if (value === undefined) {
      doc.deleteIn(key);
      for (let depth = key.length - 1; depth >= 1; depth--) {
        const parent = doc.getIn(key.slice(0, depth), true);
        if (isMap(parent) && parent.items.length === 0) doc.deleteIn(key.slice(0, depth));
        else break;
      }
    } else {
      // `configs:` with nothing under it is null in YAML: make each level a map before setting below it.
      for (let depth = 1; depth < key.length; depth++) {
        const node = doc.getIn(key.slice(0, depth), true);
        if (node === undefined || (isScalar(node) && node.value === null)) doc.setIn(key.slice(0, depth), doc.createNode({}));
      }
      doc.setIn(key, doc.createNode(value));
    }
  }
  const out = doc.toString();
  return out.trim() === '{}' ? '' : out;
}
