// Which containerd release line a daemon belongs to, for the registry rules that differ between lines. The lines
// were read from containerd's own source of each release (the newest patch release the Go module proxy served):
//
//   1.x   1.7.35  services/server/config/config.go, pkg/cri/config/config.go: config versions 1 and 2 only, an
//                 imported file replaces whole plugin sections, CRI pulls always resolve hosts.toml in-process
//                 (filepath.SplitList: a colon list works); no default config_path.
//   2.0   2.0.14  cmd/containerd/server/config/config.go: version 3, version-2 files migrated, plugin tables of
//                 imported files deep-merged; CRI pulls still in-process; no default config_path.
//   2.1   2.1.9   internal/cri/server/images/image_pull.go: CRI pulls go through the transfer service, which takes
//                 config_path as one literal directory (core/transfer/registry: HostDirFromRoot), unless
//                 use_local_image_pull or CheckLocalImagePullConfigs (internal/cri/config/config.go) falls back.
//   2.2   2.2.9   plugins/cri/images/plugin.go: config_path defaults to /etc/containerd/certs.d:/etc/docker/certs.d
//                 when neither it nor registry.mirrors is set. 2.4.2 reads the same as 2.2.9 on all of these.
import type { ContainerdLine } from '@berth/contracts/node-agent';


export type DaemonVersion =
  | { kind: 'line'; line: ContainerdLine; version: string }
  /** Before 1.5: the CRI plugin has no config_path, hosts.toml is never read. */
  | { kind: 'too-old'; version: string }
  /** A major release after 2: its rules were not read; treated as unknown rather than guessed. */
  | { kind: 'too-new'; version: string }
  | { kind: 'unknown'; version?: string };

/** "1.7.27", "v2.1.4", "2.0.5-1", "1.7.22-k3s1" → the release line; anything else → unknown. */
export function containerdLine(version: string | undefined): DaemonVersion {
  const m = version === undefined ? null : /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+~.].*)?$/.exec(version.trim());
  if (!m || version === undefined) return { kind: 'unknown', ...(version ? { version } : {}) };
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 1 || (major === 1 && minor < 5)) return { kind: 'too-old', version };
  if (major === 1) return { kind: 'line', line: '1.x', version };
  if (major > 2) return { kind: 'too-new', version };
  const line: ContainerdLine = minor === 0 ? '2.0' : minor === 1 ? '2.1' : '2.2';
  return { kind: 'line', line, version };
}

export function isTwoX(line: ContainerdLine): boolean {
  return line !== '1.x';
}
