import assert from 'node:assert/strict';
import type { V1Secret } from '@kubernetes/client-node';
import { credentialsFromSecret } from './secret-credentials.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const dockerConfig = (auths: object): V1Secret => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });

describe('credentials from a Secret', () => {
  it('reads a basic-auth Secret', () => {
    const s: V1Secret = { type: 'kubernetes.io/basic-auth', data: { username: b64('u'), password: b64('p') } };
    assert.deepEqual(credentialsFromSecret(s, 'docker.io', 'registry-1.docker.io'), { username: 'u', password: 'p' });
  });

  it('finds the entry for Docker Hub under its legacy key, from auth or username/password', () => {
    const s = dockerConfig({ 'https://index.docker.io/v1/': { auth: b64('hub:se:cret') }, 'quay.io': { username: 'q', password: 'w' } });
    assert.deepEqual(credentialsFromSecret(s, 'docker.io', 'registry-1.docker.io'), { username: 'hub', password: 'se:cret' });
    assert.deepEqual(credentialsFromSecret(s, 'quay.io', 'quay.io'), { username: 'q', password: 'w' });
  });

  it('uses the only entry when none matches by name, and none when several do not', () => {
    assert.deepEqual(credentialsFromSecret(dockerConfig({ other: { username: 'a', password: 'b' } }), 'x.io', 'x.io'), { username: 'a', password: 'b' });
    assert.equal(credentialsFromSecret(dockerConfig({ a: { username: 'a', password: 'b' }, b: { username: 'c', password: 'd' } }), 'x.io', 'x.io'), undefined);
  });
});
