// What containerd 2.x does to a version-2 config (containerd 1.x's format) before its CRI image plugin reads it:
// configMigration/migrateConfig in plugins/cri/images/plugin.go (same in v2.0.14, v2.1.9, v2.2.9, v2.4.2), kept to
// the keys that decide registry handling. From [plugins."io.containerd.grpc.v1.cri"] it copies `registry` (the
// whole table, replacing one already under the new name), `max_concurrent_downloads` and `image_pull_with_sync_fs`
// into [plugins."io.containerd.cri.v1.images"]; `snapshotter`, `disable_snapshot_annotations` and
// `discard_unpacked_layers` come from its `containerd` table — but only when that table also has `runtimes`:
// containerd returns early without it, a quirk kept here because it decides whether 2.1+ falls back to local pulls.
import { isTable, type Table } from './tree.ts';

const OLD = 'io.containerd.grpc.v1.cri';
const NEW = 'io.containerd.cri.v1.images';

export function migrateImagesPlugin(plugins: Table): Table {
  const src = plugins[OLD];
  if (!isTable(src)) return plugins;
  const before = plugins[NEW];
  const dst: Table = isTable(before) ? { ...before } : {};
  for (const key of ['registry', 'image_decryption', 'max_concurrent_downloads', 'image_pull_progress_timeout', 'image_pull_with_sync_fs', 'stats_collect_period']) {
    const v = src[key];
    if (v !== undefined) dst[key] = v;
  }
  const containerd = src.containerd;
  if (isTable(containerd) && containerd.runtimes !== undefined) {
    for (const key of ['snapshotter', 'disable_snapshot_annotations', 'discard_unpacked_layers']) {
      const v = containerd[key];
      if (v !== undefined) dst[key] = v;
    }
  }
  return { ...plugins, [NEW]: dst };
}
