import assert from 'node:assert/strict';
import type { ConfigFiles } from './config-files.ts';
import { ContainerdConfigError, criSection, loadContainerdConfig } from './load.ts';
import { leafAt } from './tree.ts';

const MAIN = '/etc/containerd/config.toml';
const CONF_D = '/etc/containerd/conf.d';

/** Node files from a map; a glob matches `<dir>/*.toml` only, sorted, as the tests need. */
function filesOf(files: Record<string, string>, unreadable: string[] = []): ConfigFiles {
  return {
    read: async (path) => {
      if (unreadable.includes(path)) throw new Error('EACCES: permission denied');
      return files[path];
    },
    glob: async (pattern) => {
      const dir = pattern.slice(0, pattern.lastIndexOf('/'));
      assert.equal(pattern, `${dir}/*.toml`, 'only <dir>/*.toml in these tests');
      return Object.keys(files).filter((p) => p.startsWith(`${dir}/`) && p.endsWith('.toml') && !p.slice(dir.length + 1).includes('/')).sort();
    },
  };
}

const V2_WITH_PATH = `version = 2
imports = ["${CONF_D}/*.toml"]
[plugins."io.containerd.grpc.v1.cri".registry]
config_path = "/etc/containerd/certs.d"
`;
/** A drop-in that sets one other key of the same plugin section. */
const DROP_IN = `version = 2
[plugins."io.containerd.grpc.v1.cri"]
sandbox_image = "registry.k8s.io/pause:3.10"
`;

const fails = (code: string) => (e: unknown) => e instanceof ContainerdConfigError && e.code === code;

describe('loadContainerdConfig', () => {
  it('no config.toml: built-in defaults, and its would-be imports are not read', async () => {
    const files = filesOf({ [`${CONF_D}/10.toml`]: DROP_IN });
    assert.deepEqual(await loadContainerdConfig(files, MAIN, '1.x'), { exists: false, version: 0, declaredVersion: 0, plugins: {}, disabledPlugins: [], files: [], fileVersions: {} });
    assert.equal((await loadContainerdConfig(files, MAIN, '2.1')).version, 3);
  });

  it('1.x: a later file replaces a plugin section whole, so a drop-in drops the registry settings', async () => {
    const loaded = await loadContainerdConfig(filesOf({ [MAIN]: V2_WITH_PATH, [`${CONF_D}/10-pause.toml`]: DROP_IN }), MAIN, '1.x');
    assert.deepEqual(loaded.files, [MAIN, `${CONF_D}/10-pause.toml`]);
    assert.equal(loaded.version, 2);
    assert.equal(leafAt(loaded.plugins, 'io.containerd.grpc.v1.cri', 'registry', 'config_path'), undefined);
    assert.equal(leafAt(loaded.plugins, 'io.containerd.grpc.v1.cri', 'sandbox_image')?.from, `${CONF_D}/10-pause.toml`);
  });

  it('2.x: plugin tables are deep-merged, each value remembering its file, and a version-2 config is migrated', async () => {
    const loaded = await loadContainerdConfig(filesOf({ [MAIN]: V2_WITH_PATH, [`${CONF_D}/10-pause.toml`]: DROP_IN }), MAIN, '2.1');
    const path = leafAt(loaded.plugins, 'io.containerd.grpc.v1.cri', 'registry', 'config_path');
    assert.deepEqual([path?.value, path?.from], ['/etc/containerd/certs.d', MAIN]);
    assert.equal(loaded.declaredVersion, 2);
    // Below version 3, containerd 2.x copies the registry table to the new images plugin.
    assert.equal(leafAt(loaded.plugins, 'io.containerd.cri.v1.images', 'registry', 'config_path')?.value, '/etc/containerd/certs.d');
  });

  it('2.x: a file without a version gets the version loaded so far, and its short plugin names become URIs', async () => {
    const main = `version = 3\nimports = ["conf.d/old.toml"]\n`;
    const old = `disabled_plugins = ["cri", "restart"]\n[plugins.cri.registry]\nconfig_path = "/x"\n`;
    const loaded = await loadContainerdConfig(filesOf({ [MAIN]: main, [`${CONF_D}/old.toml`]: old }), MAIN, '2.2');
    assert.equal(loaded.version, 3);
    assert.deepEqual(loaded.fileVersions, { [MAIN]: 3, [`${CONF_D}/old.toml`]: 0 });
    assert.deepEqual(loaded.disabledPlugins, ['io.containerd.grpc.v1.cri', 'io.containerd.internal.v1.restart']);
    assert.equal(leafAt(loaded.plugins, 'io.containerd.grpc.v1.cri', 'registry', 'config_path')?.value, '/x');
    // Version 3 throughout: no migration to the images plugin.
    assert.equal(leafAt(loaded.plugins, 'io.containerd.cri.v1.images', 'registry', 'config_path'), undefined);
  });

  it('reads imports breadth-first, relative to the importing file, each file once', async () => {
    const files = filesOf({
      [MAIN]: 'imports = ["a.toml", "/etc/containerd/b.toml"]\n',
      '/etc/containerd/a.toml': 'imports = ["sub/../c.toml", "b.toml"]\n',
      '/etc/containerd/b.toml': 'imports = ["a.toml"]\n',
      '/etc/containerd/c.toml': '',
    });
    const loaded = await loadContainerdConfig(files, MAIN, '1.x');
    assert.deepEqual(loaded.files, [MAIN, '/etc/containerd/a.toml', '/etc/containerd/b.toml', '/etc/containerd/c.toml']);
  });

  const refusals: [string, Record<string, string>, '1.x' | '2.0', string][] = [
    ['a missing import', { [MAIN]: 'imports = ["/etc/containerd/gone.toml"]\n' }, '2.0', 'ConfigImportMissing'],
    ['text that is not TOML', { [MAIN]: 'version = = 2\n' }, '2.0', 'ConfigInvalidToml'],
    ['a version that is not an integer', { [MAIN]: 'version = "2"\n' }, '2.0', 'ConfigInvalidToml'],
    ['imports that are not strings', { [MAIN]: 'imports = [1]\n' }, '2.0', 'ConfigInvalidToml'],
    ['plugins that are not a table', { [MAIN]: 'plugins = 3\n' }, '2.0', 'ConfigInvalidToml'],
    ['version 4 on 2.x', { [MAIN]: 'version = 4\n' }, '2.0', 'ConfigVersionUnsupported'],
    ['version 3 on 1.x', { [MAIN]: 'version = 3\n' }, '1.x', 'ConfigVersionUnsupported'],
    ['a short plugin name in a version-2 config on 1.x', { [MAIN]: 'version = 2\n[plugins.cri]\nx = 1\n' }, '1.x', 'ConfigPluginKeyInvalid'],
  ];
  for (const [what, files, line, code] of refusals) {
    it(`refuses ${what} (${code}), naming the file`, async () => {
      await assert.rejects(loadContainerdConfig(filesOf(files), MAIN, line), (e: unknown) => fails(code)(e) && (e as ContainerdConfigError).file.startsWith('/etc/containerd/'));
    });
  }

  it('a file the agent cannot read is ConfigUnreadable', async () => {
    await assert.rejects(loadContainerdConfig(filesOf({ [MAIN]: '' }, [MAIN]), MAIN, '2.0'), fails('ConfigUnreadable'));
  });

  it('a version-1 config (short names) is fine on 1.x', async () => {
    const loaded = await loadContainerdConfig(filesOf({ [MAIN]: '[plugins.cri.registry]\nconfig_path = "/x"\n' }), MAIN, '1.x');
    assert.equal(leafAt(loaded.plugins, criSection('1.x', loaded.version), 'registry', 'config_path')?.value, '/x');
  });
});

describe('criSection', () => {
  it('names the CRI image settings as each line and version reads them', () => {
    assert.equal(criSection('1.x', 0), 'cri');
    assert.equal(criSection('1.x', 2), 'io.containerd.grpc.v1.cri');
    assert.equal(criSection('2.0', 2), 'io.containerd.cri.v1.images');
  });
});
