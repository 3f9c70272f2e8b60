import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicHeader, credentialSource } from './credentials.ts';

describe('credentialSource', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-creds-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('none configured: none', async () => {
    assert.equal(await credentialSource(undefined, 'docker.io', 'registry-1.docker.io')(), undefined);
  });

  it('reads username and password files on every use, without the trailing newline of a hand-written Secret', async () => {
    const usernameFile = join(dir, 'username');
    const passwordFile = join(dir, 'password');
    await writeFile(usernameFile, 'puller\n');
    await writeFile(passwordFile, 'first\n');
    const source = credentialSource({ usernameFile, passwordFile }, 'docker.io', 'registry-1.docker.io');
    assert.deepEqual(await source(), { username: 'puller', password: 'first' });
    await writeFile(passwordFile, 'rotated');
    assert.deepEqual(await source(), { username: 'puller', password: 'rotated' }, 'a rotated Secret is read without a restart');
  });

  it('finds the registry\'s entry in a .dockerconfigjson', async () => {
    const dockerConfigJsonFile = join(dir, 'config.json');
    const auth = Buffer.from('robot:token').toString('base64');
    await writeFile(dockerConfigJsonFile, JSON.stringify({ auths: { 'ghcr.io': { auth } } }));
    assert.deepEqual(await credentialSource({ dockerConfigJsonFile }, 'ghcr.io', 'ghcr.io')(), { username: 'robot', password: 'token' });
  });

  it('basicHeader encodes user:password', () => {
    assert.equal(basicHeader({ username: 'a', password: 'b:c' }), `Basic ${Buffer.from('a:b:c').toString('base64')}`);
  });
});
