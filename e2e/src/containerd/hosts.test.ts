import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHostsToml } from './hosts.ts';

describe('writeHostsToml', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-hosts-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the mirrors in order, with override_path only where asked, and the server last', async () => {
    await writeHostsToml(dir, 'docker.io', [
      { url: 'http://127.0.0.1:5000' },
      { url: 'http://127.0.0.1:5001/v2/docker.io', overridePath: true },
    ], 'https://registry-1.docker.io');
    assert.equal(
      await readFile(join(dir, 'docker.io', 'hosts.toml'), 'utf8'),
      [
        'server = "https://registry-1.docker.io"',
        '',
        '[host."http://127.0.0.1:5000"]',
        '  capabilities = ["pull", "resolve"]',
        '',
        '[host."http://127.0.0.1:5001/v2/docker.io"]',
        '  capabilities = ["pull", "resolve"]',
        '  override_path = true',
        '',
      ].join('\n'),
    );
  });

  it('names the CA a mirror\'s certificate is verified with', async () => {
    await writeHostsToml(dir, 'docker.io', [{ url: 'https://cache.example.com/v2/docker.io', overridePath: true, ca: '/etc/containerd/certs.d/docker.io/cache-ca.crt' }]);
    assert.match(await readFile(join(dir, 'docker.io', 'hosts.toml'), 'utf8'), /override_path = true\n {2}ca = "\/etc\/containerd\/certs\.d\/docker\.io\/cache-ca\.crt"\n/);
  });
});
