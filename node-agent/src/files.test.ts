import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupPath, backUp, CHECK_ONLY, PRIVATE_DIR, PRIVATE_FILE, readIfExists, removeDirIfEmpty, removeFile, restore, writeAtomic } from './files.ts';

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

describe('node files', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-node-files-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('readIfExists: the text, or undefined for a missing file (other errors still reject)', async () => {
    await writeFile(join(dir, 'a'), 'text');
    assert.equal(await readIfExists(join(dir, 'a')), 'text');
    assert.equal(await readIfExists(join(dir, 'missing')), undefined);
    await assert.rejects(readIfExists(dir), { code: 'EISDIR' });
  });

  it('writeAtomic creates the folders, writes a new file 0644 (or newMode) and leaves no temp file', async () => {
    const path = join(dir, 'certs.d', 'docker.io', 'hosts.toml');
    await writeAtomic(path, 'server = "x"\n');
    assert.equal(await readFile(path, 'utf8'), 'server = "x"\n');
    assert.equal(await modeOf(path), 0o644);
    assert.deepEqual(await readdir(join(dir, 'certs.d', 'docker.io')), ['hosts.toml']);
    await writeAtomic(join(dir, 'secret.yaml'), 'x', { newMode: 0o600 });
    assert.equal(await modeOf(join(dir, 'secret.yaml')), 0o600);
  });

  it('writeAtomic keeps the mode of the file it replaces (a 0600 registries.yaml stays 0600), unless told a mode', async () => {
    const path = join(dir, 'registries.yaml');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await writeAtomic(path, 'new', { newMode: 0o644 });
    assert.equal(await readFile(path, 'utf8'), 'new');
    assert.equal(await modeOf(path), 0o600);
    await writeAtomic(path, 'newer', { mode: 0o640 });
    assert.equal(await modeOf(path), 0o640);
  });

  it('backUp copies into a 0700 folder as 0600, under a name derived from the node path', async () => {
    const file = join(dir, 'daemon.json');
    await writeFile(file, '{"registry-mirrors":[]}');
    await chmod(file, 0o644);
    const backups = join(dir, 'state', 'backups');
    const target = await backUp(file, '/etc/docker/daemon.json', backups);
    assert.equal(target, backupPath('/etc/docker/daemon.json', backups));
    assert.match(target, /\/[0-9a-f]{12}-daemon\.json$/);
    assert.notEqual(backupPath('/etc/docker/daemon.json', backups), backupPath('/other/daemon.json', backups));
    assert.equal(await readFile(target, 'utf8'), '{"registry-mirrors":[]}');
    assert.equal(await modeOf(target), PRIVATE_FILE);
    assert.equal(await modeOf(backups), PRIVATE_DIR);
  });

  it('restore puts the backup back in place and drops it', async () => {
    const file = join(dir, 'config.toml');
    await writeFile(file, 'original');
    const backup = await backUp(file, '/etc/containerd/config.toml', join(dir, 'backups'));
    await writeFile(file, 'changed by the agent');
    await restore(backup, file);
    assert.equal(await readFile(file, 'utf8'), 'original');
    assert.equal(await readIfExists(backup), undefined);
  });

  it('removeFile ignores a missing file; removeDirIfEmpty keeps a folder something else lives in', async () => {
    await removeFile(join(dir, 'missing'));
    const folder = join(dir, 'docker.io');
    await mkdir(folder);
    await writeFile(join(folder, 'ca.crt'), 'someone else\'s');
    await removeDirIfEmpty(folder);
    assert.deepEqual(await readdir(folder), ['ca.crt']);
    await removeFile(join(folder, 'ca.crt'));
    await removeDirIfEmpty(folder);
    assert.equal(await stat(folder).catch(() => undefined), undefined);
  });

  it('CHECK_ONLY changes nothing, and names a backup where it would go', async () => {
    const file = join(dir, 'config.toml');
    await writeFile(file, 'original');
    await CHECK_ONLY.write(file, 'changed');
    await CHECK_ONLY.remove(file);
    const backups = join(dir, 'backups');
    assert.equal(await CHECK_ONLY.backUp(file, '/etc/containerd/config.toml', backups), backupPath('/etc/containerd/config.toml', backups));
    assert.equal(await readFile(file, 'utf8'), 'original');
    assert.deepEqual(await readdir(dir), ['config.toml']);
  });
});
