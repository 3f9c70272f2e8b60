import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goPatternRegExp, hostConfigFiles } from './config-files.ts';

describe('containerd import globs (Go filepath.Match)', () => {
  const cases: [string, string, boolean][] = [
    ['*.toml', '10-a.toml', true],
    ['*.toml', '.hidden.toml', true], // Go does not treat dot files specially
    ['*.toml', 'a.toml.bak', false],
    ['?0-*.toml', '10-a.toml', true],
    ['[0-4]*.toml', '50-b.toml', false],
    ['[^0-4]*.toml', '50-b.toml', true],
    ['\\*.toml', '*.toml', true],
    ['\\*.toml', 'a.toml', false],
    ['a.b', 'axb', false],
  ];
  for (const [pattern, name, want] of cases) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${name}`, () => assert.equal(goPatternRegExp(pattern).test(name), want));
  }

  it('globs under the host root, sorted per folder, folders matched too', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-glob-'));
    try {
      for (const d of ['/etc/containerd/conf.d', '/etc/containerd/b.d', '/etc/containerd/a.d']) await mkdir(join(root, d), { recursive: true });
      for (const f of ['/etc/containerd/conf.d/20-b.toml', '/etc/containerd/conf.d/10-a.toml', '/etc/containerd/conf.d/README', '/etc/containerd/a.d/x.toml', '/etc/containerd/b.d/x.toml']) {
        await writeFile(join(root, f), '');
      }
      const files = hostConfigFiles(root);
      assert.deepEqual(await files.glob('/etc/containerd/conf.d/*.toml'), ['/etc/containerd/conf.d/10-a.toml', '/etc/containerd/conf.d/20-b.toml']);
      assert.deepEqual(await files.glob('/etc/containerd/*.d/x.toml'), ['/etc/containerd/a.d/x.toml', '/etc/containerd/b.d/x.toml']);
      assert.deepEqual(await files.glob('/etc/containerd/none.d/*.toml'), []);
      assert.equal(await files.read('/etc/containerd/nothing.toml'), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
