// What one containerd release line does with a CRI pull of a mirrored registry, given the settings it loaded
// (cri-images.ts): whether it reads <hostsDir>/<registry>/hosts.toml — the file the agent writes — and if not,
// why, with the one change that fixes it. The CRI plugin's own validation is included: config_path together with
// registry.mirrors (both lines) or registry.configs.*.tls (1.x) makes the plugin fail to load
// (ValidateImageConfig / ValidatePluginConfig).
import type { ContainerdLine } from '@berth/contracts/node-agent';
import type { CriImageSettings } from './cri-images.ts';

export type LineOutcome =
  | { verdict: 'mirrored'; hostsDir: string; pull: 'local' | 'transfer'; localPullBecause: string[] }
  | { verdict: 'not-mirrored'; reason: NotMirroredReason; why: string; fix: string }
  | { verdict: 'not-used'; reason: 'CriDisabled'; why: string };

export type NotMirroredReason = 'ConfigPathUnset' | 'ContainerdColonPath' | 'LegacyMirrorsConfig' | 'LegacyRegistryConfig';

/** Where a fix goes: the file to edit and the table name that file's version uses. */
export interface FixTarget {
  file: string;
  section: string;
}

/** The fix target for a setting made in `file` (undefined: config.toml). */
export type FixTargetFor = (file?: string) => FixTarget;

export const RECOMMENDED_HOSTS_DIR = '/etc/containerd/certs.d';

export function lineOutcome(s: CriImageSettings, line: ContainerdLine, targetFor: FixTargetFor): LineOutcome {
  const restart = 'and restart containerd';
  const setSingle = (dir: string, file?: string) => {
    const t = targetFor(file);
    return `set config_path = "${dir}" under [plugins."${t.section}".registry] in ${t.file} ${restart}`;
  };
  if (s.criDisabledIn) {
    return { verdict: 'not-used', reason: 'CriDisabled', why: `containerd's CRI plugin is disabled (disabled_plugins: ${s.criDisabledIn.join(', ')}): kubelet does not pull through this containerd` };
  }
  const path = s.configPath.value;
  const paths = path.split(':').filter((p) => p !== '');
  const first = paths[0] ?? RECOMMENDED_HOSTS_DIR;
  if (path !== '' && s.mirrors.length > 0) {
    return {
      verdict: 'not-mirrored',
      reason: 'LegacyMirrorsConfig',
      why: `config_path and registry.mirrors (${s.mirrors.join(', ')}) are both set: containerd's CRI plugin refuses to load`,
      fix: `remove the registry.mirrors tables from ${s.mirrorsIn.join(', ')} ${restart}`,
    };
  }
  if (path !== '' && s.configsWithTls.length > 0) {
    return {
      verdict: 'not-mirrored',
      reason: 'LegacyRegistryConfig',
      why: `config_path and registry.configs.*.tls (${s.configsWithTls.join(', ')}) are both set: containerd's CRI plugin refuses to load`,
      fix: `move the TLS settings into hosts.toml (ca, skip_verify) and remove registry.configs.*.tls ${restart}`,
    };
  }
  const ignored = s.ignored.map((i) => `[plugins."${i.section}".registry] in ${i.files.join(', ')}`).join('; ');
  const ignoredNote = ignored ? ` (it ignores ${ignored}: this config version does not use that section)` : '';
  if (path === '') {
    if (s.mirrors.length > 0) {
      return {
        verdict: 'not-mirrored',
        reason: 'LegacyMirrorsConfig',
        why: `containerd uses the registry.mirrors tables (${s.mirrors.join(', ')}) and no config_path: hosts.toml is not read`,
        fix: `remove the registry.mirrors tables from ${s.mirrorsIn.join(', ')} and ${setSingle(RECOMMENDED_HOSTS_DIR)}`,
      };
    }
    return {
      verdict: 'not-mirrored',
      reason: 'ConfigPathUnset',
      why: `no registry config_path in [plugins."${s.section}".registry]: containerd ${line} does not read hosts.toml${ignoredNote}`,
      fix: setSingle(RECOMMENDED_HOSTS_DIR),
    };
  }
  if (s.transferPull && path.includes(':')) {
    const origin = s.configPath.from ?? `containerd ${line}'s default`;
    return {
      verdict: 'not-mirrored',
      reason: 'ContainerdColonPath',
      why:
        `config_path "${path}" (${origin}) is a colon list, and containerd ${line} sends CRI pulls through the transfer ` +
        `service, which takes it as one folder name: hosts.toml is not read${s.configPath.from ? '' : ignoredNote}`,
      fix: setSingle(first, s.configPath.from),
    };
  }
  return { verdict: 'mirrored', hostsDir: s.transferPull ? path : first, pull: s.transferPull ? 'transfer' : 'local', localPullBecause: s.localPullBecause };
}
