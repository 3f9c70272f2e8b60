import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerdAssessment } from '@berth/contracts/node-agent';
import { assessContainerd } from './assess.ts';
import { hostConfigFiles } from './config-files.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const V17 = fixture('containerd-1.7-default.toml');
const V20 = fixture('containerd-2.0-default.toml');
const V21 = fixture('containerd-2.1-default.toml');
const V22 = fixture('containerd-2.2-default.toml');
const EKS = fixture('eks-al2023.toml');

const SINGLE = '/etc/containerd/certs.d';
const COLON = '/etc/containerd/certs.d:/etc/docker/certs.d';
const CONFIG = '/etc/containerd/config.toml';

/** A default config with its (empty) registry config_path set, as a person edits it. */
function withConfigPath(text: string, path: string): string {
  const out = text.replace(/config_path = (''|"")/, `config_path = '${path}'`);
  assert.notEqual(out, text, 'the fixture has a registry config_path line');
  return out;
}

/** Adds keys to the CRI image plugin table of a 2.x default config. */
function withImageKeys(text: string, lines: string): string {
  return text.replace("[plugins.'io.containerd.cri.v1.images']\n", `[plugins.'io.containerd.cri.v1.images']\n${lines}\n`);
}

interface Case {
  name: string;
  files: Record<string, string>;
  /** The Node object's containerRuntimeVersion without the scheme; undefined: not known. */
  version?: string;
  want: Partial<ContainerdAssessment>;
  /** Substrings the message (or fix) must hold. */
  message?: string[];
  fix?: string[];
}

const cases: Case[] = [
  // --- each release's own `config default` output, unchanged and with config_path set
  { name: '1.7 default: no config_path (the empty registry.mirrors tables are not legacy mirrors)', files: { [CONFIG]: V17 }, version: '1.7.27', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset', configVersion: 2 }, fix: ['[plugins."io.containerd.grpc.v1.cri".registry]'] },
  { name: '1.7 default with a single config_path', files: { [CONFIG]: withConfigPath(V17, SINGLE) }, version: '1.7.27', want: { verdict: 'mirrored', reason: 'Configured', hostsDir: SINGLE, configPathFrom: CONFIG } },
  { name: '1.7 default with the colon list: 1.x resolves in-process through every folder', files: { [CONFIG]: withConfigPath(V17, COLON) }, version: '1.7.27', want: { verdict: 'mirrored', hostsDir: SINGLE } },
  { name: '2.0 default: no config_path and no default in 2.0', files: { [CONFIG]: V20 }, version: '2.0.5', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' }, fix: ['[plugins."io.containerd.cri.v1.images".registry]'] },
  { name: '2.0 default with the colon list: pulls still in-process', files: { [CONFIG]: withConfigPath(V20, COLON) }, version: '2.0.5', want: { verdict: 'mirrored', hostsDir: SINGLE } },
  { name: '2.1 default: no config_path and no default in 2.1', files: { [CONFIG]: V21 }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' } },
  { name: '2.1 default with the colon list: the transfer service ignores hosts.toml', files: { [CONFIG]: withConfigPath(V21, COLON) }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configPathFrom: CONFIG }, fix: [`config_path = "${SINGLE}"`, CONFIG] },
  { name: '2.1 default with a single config_path: transfer service, mirrored', files: { [CONFIG]: withConfigPath(V21, SINGLE) }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'transfer', hostsDir: SINGLE } },
  { name: '2.2 default: the built-in colon default, through the transfer service', files: { [CONFIG]: V22 }, version: '2.2.0', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configPath: COLON, configPathFrom: 'default' }, message: ["2.2's default"] },
  { name: '2.2 default with a single config_path', files: { [CONFIG]: withConfigPath(V22, SINGLE) }, version: '2.2.1', want: { verdict: 'mirrored', pull: 'transfer' } },
  { name: 'a 2.3 daemon follows the 2.2 rules (read up to 2.4.2)', files: { [CONFIG]: V22 }, version: 'v2.3.0', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', line: '2.2' } },
  { name: 'no config.toml on 1.7: no config_path', files: {}, version: '1.7.27', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset', configFiles: [] } },
  { name: 'no config.toml on 2.2: the default colon list, and conf.d is not read without a config.toml', files: { '/etc/containerd/conf.d/10-path.toml': `version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${SINGLE}'\n` }, version: '2.2.0', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configFiles: [] } },

  // --- EKS AL2023 (nodeadm): version 2, colon list, discard_unpacked_layers = true with a runtimes table
  { name: 'EKS AL2023 on containerd 1.7', files: { [CONFIG]: EKS }, version: '1.7.27', want: { verdict: 'mirrored', hostsDir: SINGLE } },
  { name: 'EKS AL2023 on containerd 2.1: discard_unpacked_layers is migrated and forces local pulls', files: { [CONFIG]: EKS }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local', hostsDir: SINGLE }, message: ['discard_unpacked_layers = true'] },
  { name: 'EKS AL2023 with no version known: every release pulls through the cache', files: { [CONFIG]: EKS }, want: { verdict: 'mirrored', reason: 'Configured' } },

  // --- issue 17's false alarms: ContainerdColonPath was reported while pulls do go through the mirror
  { name: 'false alarm: colon list with use_local_image_pull = true', files: { [CONFIG]: withImageKeys(withConfigPath(V21, COLON), 'use_local_image_pull = true').replace('    use_local_image_pull = false\n', '') }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local' }, message: ['use_local_image_pull = true'] },
  { name: 'false alarm: colon list with discard_unpacked_layers = true', files: { [CONFIG]: withConfigPath(V22, COLON).replace('discard_unpacked_layers = false', 'discard_unpacked_layers = true') }, version: '2.2.0', want: { verdict: 'mirrored', pull: 'local' } },
  { name: 'false alarm: colon list with max_concurrent_downloads other than 3', files: { [CONFIG]: withConfigPath(V21, COLON).replace('max_concurrent_downloads = 3\n    concurrent', 'max_concurrent_downloads = 10\n    concurrent') }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local' }, message: ['max_concurrent_downloads = 10'] },
  { name: 'false alarm: colon list with image_pull_with_sync_fs = true', files: { [CONFIG]: withConfigPath(V21, COLON).replace('image_pull_with_sync_fs = false', 'image_pull_with_sync_fs = true') }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local' } },
  { name: 'false alarm: colon list with snapshot annotations on (disable_snapshot_annotations = false)', files: { [CONFIG]: withConfigPath(V22, COLON).replace('disable_snapshot_annotations = true', 'disable_snapshot_annotations = false') }, version: '2.2.0', want: { verdict: 'mirrored', pull: 'local' } },
  { name: 'false alarm: colon list with the old registry.configs table', files: { [CONFIG]: `${withConfigPath(V21, COLON)}\n[plugins.'io.containerd.cri.v1.images'.registry.configs.'quay.io'.auth]\nusername = 'u'\npassword = 'p'\n` }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local' }, message: ['registry.configs/auths (quay.io)'] },
  { name: 'false alarm: colon list with the old registry.auths table', files: { [CONFIG]: `${withConfigPath(V21, COLON)}\n[plugins.'io.containerd.cri.v1.images'.registry.auths.'https://quay.io']\nusername = 'u'\n` }, version: '2.1.4', want: { verdict: 'mirrored', pull: 'local' } },
  { name: 'the old registry.mirrors table with config_path: the CRI plugin fails to load (not ContainerdColonPath)', files: { [CONFIG]: `${withConfigPath(V21, COLON)}\n[plugins.'io.containerd.cri.v1.images'.registry.mirrors.'docker.io']\nendpoint = ['https://m.example.com']\n` }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'LegacyMirrorsConfig' }, message: ['refuses to load'] },
  { name: 'false alarm: no config_path in config.toml, but an imported drop-in sets one', files: { [CONFIG]: V22, '/etc/containerd/conf.d/50-registry.toml': `version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = '${SINGLE}'\n` }, version: '2.2.0', want: { verdict: 'mirrored', configPathFrom: '/etc/containerd/conf.d/50-registry.toml', configFiles: [CONFIG, '/etc/containerd/conf.d/50-registry.toml'] } },

  // --- issue 17's false successes: Configured was reported while CRI pulls skip the mirror
  { name: 'false success: a drop-in sets a colon list over the single path of config.toml', files: { [CONFIG]: withConfigPath(V22, SINGLE), '/etc/containerd/conf.d/99-eks.toml': `[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${COLON}'\n` }, version: '2.2.0', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configPathFrom: '/etc/containerd/conf.d/99-eks.toml' }, fix: ['/etc/containerd/conf.d/99-eks.toml'] },
  { name: 'false success: a version-3 file with config_path under the 1.x section name (2.1: unset)', files: { [CONFIG]: `version = 3\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n` }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' }, message: ['ignores [plugins."io.containerd.grpc.v1.cri".registry]'], fix: ['[plugins."io.containerd.cri.v1.images".registry]'] },
  { name: 'false success: a version-3 file with config_path under the 1.x section name (2.2: the colon default)', files: { [CONFIG]: `version = 3\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n` }, version: '2.2.0', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configPathFrom: 'default' }, message: ['ignores [plugins."io.containerd.grpc.v1.cri".registry]'] },
  {
    name: 'false success: a version-2 file with a colon list and no version on the Node object is unknown',
    files: { [CONFIG]: withConfigPath(V17, COLON) },
    want: { verdict: 'unknown', reason: 'ContainerdVersionUnknown', lines: { '1.x': `pulls through hosts.toml in ${SINGLE}`, '2.0': `pulls through hosts.toml in ${SINGLE}`, '2.1': 'does not (ContainerdColonPath)', '2.2': 'does not (ContainerdColonPath)' } },
    fix: [`config_path = "${SINGLE}"`, '[plugins."io.containerd.grpc.v1.cri".registry]'],
  },
  { name: 'the same version-2 colon file on a known 2.1 daemon (migrated to version 3)', files: { [CONFIG]: withConfigPath(V17, COLON) }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath' }, fix: ['[plugins."io.containerd.grpc.v1.cri".registry]'] },
  { name: 'a version-2 file with a single path and no version known: mirrored everywhere', files: { [CONFIG]: withConfigPath(V17, SINGLE) }, want: { verdict: 'mirrored', hostsDir: SINGLE } },
  { name: 'a version-3 file and no version known: 1.x refuses it, so only 2.x counts', files: { [CONFIG]: withConfigPath(V20, SINGLE) }, want: { verdict: 'mirrored', lines: { '1.x': 'refuses the config (ConfigVersionUnsupported)', '2.0': `pulls through hosts.toml in ${SINGLE}`, '2.1': `pulls through hosts.toml in ${SINGLE}`, '2.2': `pulls through hosts.toml in ${SINGLE}` } } },

  // --- how containerd merges imports, per generation
  { name: '1.7: an imported CRI section replaces config.toml\'s whole section, config_path included', files: { [CONFIG]: `version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n`, '/etc/containerd/conf.d/gpu.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nvidia"\n' }, version: '1.7.27', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' } },
  { name: '2.0: the same drop-in is deep-merged and config_path survives', files: { [CONFIG]: `version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n`, '/etc/containerd/conf.d/gpu.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nvidia"\n' }, version: '2.0.5', want: { verdict: 'mirrored' } },
  { name: 'drop-ins load in glob order: the last one wins', files: { [CONFIG]: V22, '/etc/containerd/conf.d/10-colon.toml': `[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${COLON}'\n`, '/etc/containerd/conf.d/20-single.toml': `[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${SINGLE}'\n` }, version: '2.2.0', want: { verdict: 'mirrored', configPathFrom: '/etc/containerd/conf.d/20-single.toml' } },
  { name: 'an import relative to the importing file, and an import cycle read once', files: { [CONFIG]: 'version = 3\nimports = ["extra/registry.toml"]\n', '/etc/containerd/extra/registry.toml': `imports = ["../config.toml"]\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${SINGLE}'\n` }, version: '2.1.4', want: { verdict: 'mirrored', configFiles: [CONFIG, '/etc/containerd/extra/registry.toml'] } },
  { name: 'a version-2 drop-in makes a 2.x daemon migrate the merged config', files: { [CONFIG]: `version = 3\nimports = ["/etc/containerd/conf.d/*.toml"]\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = '${SINGLE}'\n`, '/etc/containerd/conf.d/old.toml': `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "${COLON}"\n` }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath', configPathFrom: '/etc/containerd/conf.d/old.toml' } },

  // --- version-1 files (no `version` line)
  { name: '1.7 reads a version-1 file\'s [plugins.cri] section', files: { [CONFIG]: `[plugins.cri.registry]\n  config_path = "${SINGLE}"\n` }, version: '1.7.27', want: { verdict: 'mirrored' } },
  { name: '1.7 ignores the URI section in a file without a version', files: { [CONFIG]: `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n` }, version: '1.7.27', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' }, message: ['ignores'] },
  { name: '2.1 never migrates the CRI section of a file without a version', files: { [CONFIG]: `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${SINGLE}"\n` }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ConfigPathUnset' }, fix: ['with version = 3'] },

  // --- the migration quirk: [containerd] keys move only alongside a runtimes table
  { name: '2.1: discard_unpacked_layers of a version-2 file without runtimes is not migrated', files: { [CONFIG]: `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  discard_unpacked_layers = true\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${COLON}"\n` }, version: '2.1.4', want: { verdict: 'not-mirrored', reason: 'ContainerdColonPath' } },

  // --- configs containerd refuses, and daemons the rules do not cover
  { name: 'a missing literal import stops containerd', files: { [CONFIG]: 'version = 3\nimports = ["/etc/containerd/nope.toml"]\n' }, version: '2.1.4', want: { verdict: 'unknown', reason: 'ContainerdConfigInvalid' }, message: ['/etc/containerd/nope.toml'] },
  { name: 'invalid TOML', files: { [CONFIG]: 'version = 3\n[plugins\n' }, version: '2.1.4', want: { verdict: 'unknown', reason: 'ContainerdConfigInvalid' }, message: ['not valid TOML'] },
  { name: 'a version-3 file on a 1.7 daemon', files: { [CONFIG]: V21 }, version: '1.7.27', want: { verdict: 'unknown', reason: 'ContainerdConfigInvalid' }, message: ['refuses it'] },
  { name: 'config_path that is not a string', files: { [CONFIG]: "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\nconfig_path = 5\n" }, version: '2.1.4', want: { verdict: 'unknown', reason: 'ContainerdConfigInvalid' } },
  { name: 'the CRI plugin disabled (Docker\'s containerd.io package)', files: { [CONFIG]: 'disabled_plugins = ["cri"]\n' }, version: '1.7.27', want: { verdict: 'not-used', reason: 'CriDisabled' } },
  { name: 'containerd before 1.5 has no config_path', files: { [CONFIG]: V17 }, version: '1.4.13', want: { verdict: 'not-mirrored', reason: 'ContainerdTooOld' } },
  { name: 'a containerd major release the rules do not cover', files: { [CONFIG]: V22 }, version: '3.0.0', want: { verdict: 'unknown', reason: 'ContainerdTooNew' } },
];

describe('containerd effective registry config', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-containerd-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(c.name, async () => {
      for (const [path, text] of Object.entries(c.files)) {
        await mkdir(dirname(join(root, path)), { recursive: true });
        await writeFile(join(root, path), text);
      }
      const got = await assessContainerd(hostConfigFiles(root), c.version === undefined ? {} : { daemonVersion: c.version });
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, got[k as keyof ContainerdAssessment]]));
      assert.deepEqual(picked, c.want, got.message);
      for (const s of c.message ?? []) assert.ok(got.message.includes(s), `message "${got.message}" lacks "${s}"`);
      for (const s of c.fix ?? []) assert.ok(got.fix?.includes(s), `fix "${got.fix}" lacks "${s}"`);
      if (got.verdict === 'not-mirrored') assert.ok(got.fix, 'a not-mirrored verdict carries a fix');
    });
  }
});
