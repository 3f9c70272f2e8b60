// The registry settings containerd's CRI image service ends up with, for one release line, from the merged
// config (load.ts): the section it reads, config_path with the file that set it (or 2.2's built-in default),
// the deprecated mirrors/configs/auths tables, and — on 2.1+ — whether CRI pulls run in-process ("local pull",
// hosts.toml found through every folder of a colon list) or through the transfer service (config_path taken as
// one literal folder). Defaults are containerd's DefaultImageConfig (internal/cri/config/config_unix.go):
// disable_snapshot_annotations = true, max_concurrent_downloads = 3, the rest false/empty.
import type { ContainerdLine } from '@berth/contracts/node-agent';
import { isTwoX } from './daemon-version.ts';
import { ContainerdConfigError, criSection, type LoadedConfig } from './load.ts';
import { at, isTable, keysAt, Leaf, leafAt, sources, type Table } from './tree.ts';

/** plugins/cri/images/plugin.go (2.2+): the config_path used when neither it nor registry.mirrors is set. */
export const DEFAULT_CONFIG_PATH_2_2 = '/etc/containerd/certs.d:/etc/docker/certs.d';

export interface Setting<T> {
  value: T;
  /** The file that set it; undefined for containerd's own default. */
  from?: string;
}

export interface CriImageSettings {
  /** The plugin section the CRI image service reads, e.g. io.containerd.cri.v1.images. */
  section: string;
  /** "" when unset (then hosts.toml is not read at all). */
  configPath: Setting<string>;
  /** Registries with a [registry.mirrors."host"] table, and the files that hold them. */
  mirrors: string[];
  mirrorsIn: string[];
  /** Hosts with a [registry.configs."host"] table (auths are folded in, as ValidateImageConfig does). */
  configs: string[];
  /** 1.x: hosts whose registry.configs carry `tls`, which the CRI plugin refuses together with config_path. */
  configsWithTls: string[];
  /** 2.1+: why CRI pulls run in-process; empty when they go through the transfer service. */
  localPullBecause: string[];
  /** Whether CRI pulls use the transfer service (2.1+ without a local-pull reason). */
  transferPull: boolean;
  /** The CRI plugin is listed in disabled_plugins: kubelet cannot use this containerd. */
  criDisabledIn?: string[];
  /** Registry tables this line never reads (an old section name, a version-1 file on 2.x), with their files. */
  ignored: { section: string; files: string[] }[];
}

export function criImageSettings(cfg: LoadedConfig, line: ContainerdLine): CriImageSettings {
  const section = criSection(line, cfg.version);
  const plugin = at(cfg.plugins, section);
  const table = isTable(plugin) ? plugin : {};
  const registry = at(table, 'registry');

  const configPathLeaf = leafAt(table, 'registry', 'config_path');
  let configPath: Setting<string> = { value: stringValue(configPathLeaf, section, 'registry.config_path') ?? '' };
  if (configPathLeaf && configPath.value !== '') configPath.from = configPathLeaf.from;
  const mirrors = keysAt(table, 'registry', 'mirrors');
  const configs = [...new Set([...keysAt(table, 'registry', 'configs'), ...keysAt(table, 'registry', 'auths')])];
  const configsWithTls = line === '1.x' ? keysAt(table, 'registry', 'configs').filter((h) => at(table, 'registry', 'configs', h, 'tls') !== undefined) : [];
  if (line === '2.2' && configPath.value === '' && mirrors.length === 0) configPath = { value: DEFAULT_CONFIG_PATH_2_2 };

  const localPullBecause = line === '2.1' || line === '2.2' ? localPullReasons(table, section, mirrors, configs) : [];
  const transferPull = (line === '2.1' || line === '2.2') && localPullBecause.length === 0;

  const criNames = isTwoX(line) ? ['io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.images'] : cfg.version >= 2 ? ['io.containerd.grpc.v1.cri'] : ['cri'];
  const criDisabled = cfg.disabledPlugins.filter((p) => criNames.includes(p));

  return {
    section,
    configPath,
    mirrors,
    mirrorsIn: sources(at(table, 'registry', 'mirrors')),
    configs,
    configsWithTls,
    localPullBecause,
    transferPull,
    ...(criDisabled.length > 0 ? { criDisabledIn: criDisabled } : {}),
    ignored: ignoredRegistrySections(cfg, line, section, registry),
  };
}

/**
 * CheckLocalImagePullConfigs (internal/cri/config/config.go, identical in v2.1.9, v2.2.9, v2.4.2) in its order,
 * plus use_local_image_pull itself; on Linux the snapshot-annotation check fires when they are NOT disabled.
 */
function localPullReasons(table: Table, section: string, mirrors: string[], configs: string[]): string[] {
  const flag = (key: string) => boolValue(leafAt(table, key), section, key);
  const where = (key: string) => ` (${leafAt(table, key)?.from ?? 'default'})`;
  const out: string[] = [];
  if (flag('use_local_image_pull') === true) out.push(`use_local_image_pull = true${where('use_local_image_pull')}`);
  if (flag('disable_snapshot_annotations') === false) out.push(`disable_snapshot_annotations = false${where('disable_snapshot_annotations')}`);
  if (flag('discard_unpacked_layers') === true) out.push(`discard_unpacked_layers = true${where('discard_unpacked_layers')}`);
  if (mirrors.length > 0) out.push(`registry.mirrors (${mirrors.join(', ')})`);
  if (configs.length > 0) out.push(`registry.configs/auths (${configs.join(', ')})`);
  const downloads = leafAt(table, 'max_concurrent_downloads');
  if (downloads !== undefined) {
    if (typeof downloads.value !== 'number') throw typeError(section, 'max_concurrent_downloads', 'an integer', downloads);
    if (downloads.value !== 3) out.push(`max_concurrent_downloads = ${downloads.value}${where('max_concurrent_downloads')}`);
  }
  if (flag('image_pull_with_sync_fs') === true) out.push(`image_pull_with_sync_fs = true${where('image_pull_with_sync_fs')}`);
  return out;
}

/** Registry tables with content in sections this line does not read (containerd ignores them, at most logging). */
function ignoredRegistrySections(cfg: LoadedConfig, line: ContainerdLine, read: string, readRegistry: unknown): CriImageSettings['ignored'] {
  const out: CriImageSettings['ignored'] = [];
  for (const name of ['cri', 'io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.images']) {
    if (name === read) continue;
    const registry = at(cfg.plugins, name, 'registry');
    if (!isTable(registry) || Object.keys(registry).length === 0) continue;
    // On 2.x a migrated version-2 config moved this very table under the new name: not ignored.
    if (isTwoX(line) && name === 'io.containerd.grpc.v1.cri' && registry === readRegistry) continue;
    out.push({ section: name, files: sources(registry) });
  }
  return out;
}

function stringValue(leaf: Leaf | undefined, section: string, key: string): string | undefined {
  if (leaf === undefined) return undefined;
  if (typeof leaf.value !== 'string') throw typeError(section, key, 'a string', leaf);
  return leaf.value;
}

function boolValue(leaf: Leaf | undefined, section: string, key: string): boolean | undefined {
  if (leaf === undefined) return undefined;
  if (typeof leaf.value !== 'boolean') throw typeError(section, key, 'true or false', leaf);
  return leaf.value;
}

function typeError(section: string, key: string, want: string, leaf: Leaf): ContainerdConfigError {
  return new ContainerdConfigError('ConfigInvalidToml', `${leaf.from}: ${key} in [plugins."${section}"] must be ${want}: containerd's CRI plugin fails to load`, leaf.from);
}
