// containerd's LoadConfig, redone for the parts that decide registry handling: config.toml, then its `imports`
// breadth-first (each file's imports appended after the files already queued, a path loaded once), each file
// merged over what came before. Two generations differ, and the agent follows the one the daemon belongs to:
//
// 1.x (services/server/config/config.go, v1.7.35): mergo with WithOverride over the whole struct, then every
//   plugin section of the later file REPLACES that section whole (`to.Plugins[k] = v`): a drop-in that sets one
//   key of [plugins."io.containerd.grpc.v1.cri"] drops the registry settings config.toml had there. `version` is
//   taken from the last file that sets it; above 2 containerd refuses to start (ValidateV2), and a version-2
//   config must name plugins by URI ("invalid plugin key URI").
// 2.x (cmd/containerd/server/config/config.go, v2.0.14–v2.4.2): a version 0/1 file is first renamed to plugin
//   URIs and given the version loaded so far (MigrateConfigTo(out.Version), out starting at 3, so a file without
//   `version` is NOT treated as version 2: its CRI sections are not migrated); plugin tables are deep-merged
//   (tree.ts: deepMerge). A merged version below 3 makes the daemon migrate plugin sections (migrate.ts).
// A missing config.toml is not read at all (command/main.go: only loaded when it exists), so its would-be imports
// are not either; a missing import is an error that stops containerd.
import { parse } from 'smol-toml';
import type { ConfigFiles } from './config-files.ts';
import type { ContainerdLine } from '@berth/contracts/node-agent';
import { isTwoX } from './daemon-version.ts';
import { migrateImagesPlugin } from './migrate.ts';
import { deepMerge, toTree, type Table } from './tree.ts';

export interface LoadedConfig {
  /** False when config.toml does not exist: containerd runs on its built-in defaults. */
  exists: boolean;
  /** The merged `version` as containerd sees it after loading (2.x: 3 once migrated). */
  version: number;
  /** The version the files declared before any migration (0 when none did). */
  declaredVersion: number;
  plugins: Table;
  disabledPlugins: string[];
  /** Node paths in the order containerd read them. */
  files: string[];
  /** The `version` each file declares (0: none). */
  fileVersions: Record<string, number>;
}

export type ConfigErrorCode = 'ConfigUnreadable' | 'ConfigInvalidToml' | 'ConfigVersionUnsupported' | 'ConfigImportMissing' | 'ConfigPluginKeyInvalid';

/** containerd would not start with these files (or the agent could not read them). */
export class ContainerdConfigError extends Error {
  override name = 'ContainerdConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/** The config version a 2.x daemon starts from (version.ConfigVersion); 1.x starts from 0 (= 1). */
const TWO_X_CONFIG_VERSION = 3;

export async function loadContainerdConfig(files: ConfigFiles, main: string, line: ContainerdLine): Promise<LoadedConfig> {
  const twoX = isTwoX(line);
  const out: LoadedConfig = { exists: false, version: twoX ? TWO_X_CONFIG_VERSION : 0, declaredVersion: 0, plugins: {}, disabledPlugins: [], files: [], fileVersions: {} };
  const first = await readOrThrow(files, main);
  if (first === undefined) return out;
  out.exists = true;

  const loaded = new Set<string>();
  const pending: { path: string; text?: string }[] = [{ path: main, text: first }];
  while (pending.length > 0) {
    const { path, text: known } = pending.shift() as { path: string; text?: string };
    if (loaded.has(path)) continue;
    const text = known ?? (await readOrThrow(files, path));
    if (text === undefined) {
      // Missing on the node (containerd then refuses to start), or outside the host folders the agent's pod mounts.
      throw new ContainerdConfigError('ConfigImportMissing', `${path} is imported but the agent cannot read it: if it is missing on the node, containerd does not start; if it exists, its folder is not mounted into the agent's pod (add it to the chart's nodeAgent.extraHostPaths)`, path);
    }
    const file = parseFile(text, path);
    let plugins = toTree(file.plugins, path);
    let disabled = file.disabledPlugins;
    let version = file.version;
    if (file.version > 0) out.declaredVersion = file.version;
    if (twoX && version <= 1) {
      plugins = renameV1Plugins(plugins);
      disabled = disabled.map(v1PluginName);
      version = out.version;
    }
    if (version !== 0) out.version = version; // mergo WithOverride: a zero int does not override
    out.plugins = twoX ? deepMerge(out.plugins, plugins) : { ...out.plugins, ...plugins };
    out.disabledPlugins = [...new Set([...out.disabledPlugins, ...disabled])];
    out.files.push(path);
    out.fileVersions[path] = file.version;
    loaded.add(path);
    for (const imp of await resolveImports(files, path, file.imports)) pending.push({ path: imp });
  }

  if (twoX) {
    if (out.version > TWO_X_CONFIG_VERSION) {
      throw new ContainerdConfigError('ConfigVersionUnsupported', `config version ${out.version} is newer than containerd ${line} reads (at most 3): it will not start`, main);
    }
    if (out.version < TWO_X_CONFIG_VERSION) out.plugins = migrateImagesPlugin(out.plugins);
  } else {
    if (out.version > 2) {
      throw new ContainerdConfigError('ConfigVersionUnsupported', `config version ${out.version} is for containerd 2.x: containerd 1.x refuses it and does not start`, main);
    }
    if (out.version === 2) {
      const bad = Object.keys(out.plugins).find((k) => !k.startsWith('io.containerd.') || k.split('.').length < 4);
      if (bad !== undefined) {
        throw new ContainerdConfigError('ConfigPluginKeyInvalid', `plugin section "${bad}" is not a plugin URI in a version-2 config: containerd 1.x does not start`, main);
      }
    }
  }
  return out;
}

async function readOrThrow(files: ConfigFiles, path: string): Promise<string | undefined> {
  try {
    return await files.read(path);
  } catch (err) {
    throw new ContainerdConfigError('ConfigUnreadable', `${path}: ${(err as Error).message}`, path);
  }
}

interface ParsedFile {
  version: number;
  plugins: Record<string, unknown>;
  imports: string[];
  disabledPlugins: string[];
}

function parseFile(text: string, path: string): ParsedFile {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new ContainerdConfigError('ConfigInvalidToml', `${path} is not valid TOML (${first}): containerd will not start`, path);
  }
  const version = doc.version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new ContainerdConfigError('ConfigInvalidToml', `${path}: version must be an integer`, path);
  }
  const strings = (key: string): string[] => {
    const v = doc[key] ?? [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      throw new ContainerdConfigError('ConfigInvalidToml', `${path}: ${key} must be a list of strings`, path);
    }
    return v as string[];
  };
  const plugins = doc.plugins ?? {};
  if (typeof plugins !== 'object' || plugins === null || Array.isArray(plugins)) {
    throw new ContainerdConfigError('ConfigInvalidToml', `${path}: plugins must be a table`, path);
  }
  return { version, plugins: plugins as Record<string, unknown>, imports: strings('imports'), disabledPlugins: strings('disabled_plugins') };
}

/** resolveImports: cleaned, relative to the importing file's folder, globbed only when the path holds a `*`. */
async function resolveImports(files: ConfigFiles, parent: string, imports: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const raw of imports) {
    const path = cleanPath(raw.startsWith('/') ? raw : `${dirOf(parent)}/${raw}`);
    if (path.includes('*')) out.push(...(await files.glob(path)));
    else out.push(path);
  }
  return out;
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return (p.startsWith('/') ? '/' : '') + parts.join('/') || '.';
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** v1MigratePluginName (2.x config.go): the short plugin names of version-1 files to URIs. */
const V1_CORE_PLUGINS: Record<string, string> = {
  cri: 'io.containerd.grpc.v1.cri',
  cgroups: 'io.containerd.monitor.v1.cgroups',
  linux: 'io.containerd.runtime.v1.linux',
  scheduler: 'io.containerd.gc.v1.scheduler',
  bolt: 'io.containerd.metadata.v1.bolt',
  task: 'io.containerd.runtime.v2.task',
  opt: 'io.containerd.internal.v1.opt',
  restart: 'io.containerd.internal.v1.restart',
  tracing: 'io.containerd.internal.v1.tracing',
  otlp: 'io.containerd.tracing.processor.v1.otlp',
  aufs: 'io.containerd.snapshotter.v1.aufs',
  btrfs: 'io.containerd.snapshotter.v1.btrfs',
  devmapper: 'io.containerd.snapshotter.v1.devmapper',
  native: 'io.containerd.snapshotter.v1.native',
  overlayfs: 'io.containerd.snapshotter.v1.overlayfs',
  zfs: 'io.containerd.snapshotter.v1.zfs',
};

function v1PluginName(name: string): string {
  if (name.includes('.')) return name;
  if (V1_CORE_PLUGINS[name] !== undefined) return V1_CORE_PLUGINS[name];
  if (name.endsWith('-service')) return `io.containerd.service.v1.${name}`;
  if (name === 'windows' || name === 'windows-lcow') return `io.containerd.snapshotter.v1.${name}`;
  return `io.containerd.grpc.v1.${name}`;
}

function renameV1Plugins(plugins: Table): Table {
  const out: Table = {};
  for (const [k, v] of Object.entries(plugins)) out[v1PluginName(k)] = v;
  return out;
}

/** Plugin section names as containerd of this line reads the merged config. */
export function criSection(line: ContainerdLine, version: number): string {
  if (isTwoX(line)) return 'io.containerd.cri.v1.images';
  return version >= 2 ? 'io.containerd.grpc.v1.cri' : 'cri';
}
