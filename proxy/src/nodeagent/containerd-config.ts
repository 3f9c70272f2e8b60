// What the agent needs from containerd's config.toml, read without a full TOML parser: the config format
// version (2 = containerd 1.x, 3 = containerd 2.x), the registry `config_path` (1.x and 2.x keep it in different
// plugin sections) and whether the deprecated `registry.mirrors` tables are set, which the CRI plugin refuses
// to load together with config_path.

export interface ContainerdConfigFacts {
  /** The `version = N` of config.toml; 1 when absent (containerd's own default). */
  formatVersion: number;
  /** The registry config_path, as written (may be colon-separated); undefined when not set. */
  configPath?: string;
  /** The old `[plugins."…cri".registry.mirrors]` tables are present. */
  legacyMirrors: boolean;
}

const REGISTRY_TABLES = [
  'plugins."io.containerd.grpc.v1.cri".registry', // containerd 1.x (config version 2)
  'plugins."io.containerd.cri.v1.images".registry', // containerd 2.x (config version 3)
  'plugins.cri.registry', // config version 1
];

export function readContainerdConfig(text: string): ContainerdConfigFacts {
  const facts: ContainerdConfigFacts = { formatVersion: 1, legacyMirrors: false };
  let table = '';
  for (const raw of text.split('\n')) {
    const line = stripComment(raw).trim();
    if (line === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line);
    if (header) {
      table = normalizeKey(header[1] as string);
      if (REGISTRY_TABLES.some((t) => table.startsWith(`${t}.mirrors`))) facts.legacyMirrors = true;
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    const key = normalizeKey(kv[1] as string);
    const full = table === '' ? key : `${table}.${key}`;
    if (full === 'version') facts.formatVersion = Number(kv[2]) || 1;
    if (REGISTRY_TABLES.some((t) => full === `${t}.config_path`)) {
      const value = tomlStringValue(kv[2] as string);
      if (value !== undefined && value !== '') facts.configPath = value;
    }
    if (REGISTRY_TABLES.some((t) => full.startsWith(`${t}.mirrors`))) facts.legacyMirrors = true;
  }
  return facts;
}

/** `plugins . "a.b" . registry` → `plugins."a.b".registry`, so both spellings compare equal. */
function normalizeKey(key: string): string {
  const parts: string[] = [];
  for (const m of key.matchAll(/\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)/g)) {
    const part = m[1] as string;
    const bare = part.replace(/^["']|["']$/g, '');
    parts.push(/^[A-Za-z0-9_-]+$/.test(bare) ? bare : `"${bare}"`);
  }
  return parts.join('.');
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function tomlStringValue(raw: string): string | undefined {
  const v = raw.trim();
  if (v.startsWith("'")) return v.slice(1, v.indexOf("'", 1));
  if (v.startsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** containerd 2.x's default when config_path is not set; 1.x has none (hosts.toml is then ignored by CRI). */
export const CONTAINERD2_DEFAULT_CONFIG_PATH = '/etc/containerd/certs.d:/etc/docker/certs.d';

/** The transfer service of containerd 2.1+ takes a colon-separated config_path as one literal directory. */
export function colonPathTrap(configPath: string | undefined, version: string | undefined, formatVersion: number): boolean {
  if (configPath === undefined || !configPath.includes(':')) return false;
  const v = version === undefined ? undefined : /(\d+)\.(\d+)/.exec(version);
  if (!v) return formatVersion >= 3; // version unknown: a version-3 config means containerd 2.x; assume the worst
  const [major, minor] = [Number(v[1]), Number(v[2])];
  return major > 2 || (major === 2 && minor >= 1);
}
