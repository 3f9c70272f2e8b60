import assert from 'node:assert/strict';
import { dockerConfigCredentials } from './dockerconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('dockerConfigCredentials', () => {
  it('finds Docker Hub under its legacy key, from auth or from username/password', () => {
    const legacy = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('u:p:with:colons') } } });
    assert.deepEqual(dockerConfigCredentials(legacy, 'docker.io', 'registry-1.docker.io'), { username: 'u', password: 'p:with:colons' });
    const plain = JSON.stringify({ auths: { 'docker.io': { username: 'a', password: 'b' }, 'quay.io': { username: 'x', password: 'y' } } });
    assert.deepEqual(dockerConfigCredentials(plain, 'docker.io', 'registry-1.docker.io'), { username: 'a', password: 'b' });
  });
  it('matches the upstream host with its port, and ignores scheme and path', () => {
    const doc = JSON.stringify({ auths: { 'https://127.0.0.1:5001/v2/': { username: 'a', password: 'b' }, 'other:1': { username: 'x', password: 'y' } } });
    assert.deepEqual(dockerConfigCredentials(doc, 'mirror.example', '127.0.0.1:5001'), { username: 'a', password: 'b' });
  });
  it('uses the only entry when none matches by name; none when several do not match, or the text is not JSON', () => {
    assert.deepEqual(dockerConfigCredentials(JSON.stringify({ auths: { elsewhere: { username: 'a', password: 'b' } } }), 'quay.io', 'quay.io'), { username: 'a', password: 'b' });
    assert.equal(dockerConfigCredentials(JSON.stringify({ auths: { a: { username: 'a', password: 'b' }, c: { username: 'c', password: 'd' } } }), 'quay.io', 'quay.io'), undefined);
    assert.equal(dockerConfigCredentials('{not json', 'quay.io', 'quay.io'), undefined);
  });
});
