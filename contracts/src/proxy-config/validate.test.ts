// What index.test.ts (the documented example, refusals by key path, URLs with credentials) leaves out: the
// branches of the project and top-level readers that choose between alternatives.
import assert from 'node:assert/strict';
import { ConfigError } from './errors.ts';
import { validateProxyConfig } from './validate.ts';

const HUB = { name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io' };

function config(project: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return { listen: ':5000', storage: { directory: '/data' }, projects: [{ ...HUB, ...project }], ...top };
}

function refuses(value: unknown, message: RegExp): void {
  assert.throws(() => validateProxyConfig(value), (err: unknown) => err instanceof ConfigError && message.test(err.message));
}

describe('validateProxyConfig', () => {
  it('returns a fresh object of known keys only, leaving out unset optional keys', () => {
    const input = config({ tagTTL: null, tls: { caFile: '/ca.crt' } });
    const out = validateProxyConfig(input);
    assert.notEqual(out, input);
    assert.deepEqual(out.projects[0], { ...HUB, tls: { caFile: '/ca.crt' } });
    assert.deepEqual(Object.keys(out), ['listen', 'storage', 'projects']);
  });

  it('reads a bare port number as listen on every address', () => {
    assert.equal(validateProxyConfig(config({}, { listen: 5000 })).listen, ':5000');
    assert.equal(validateProxyConfig(config({}, { listen: '[::1]:5000' })).listen, '[::1]:5000');
    refuses(config({}, { listen: 70000 }), /^listen: ":70000" must be HOST:PORT/);
  });

  it('lets the TLS port share port 0 (any free port) with the plain one', () => {
    const out = validateProxyConfig(config({}, { listen: '127.0.0.1:0', tls: { listen: '127.0.0.1:0', certFile: '/c', keyFile: '/k' } }));
    assert.equal(out.tls?.listen, '127.0.0.1:0');
  });

  it('redirectToStorage: a boolean, kept when set, only with object storage', () => {
    const s3 = { storage: { s3: { bucket: 'berth-cache' } } };
    assert.equal(validateProxyConfig(config({ redirectToStorage: true }, s3)).projects[0]?.redirectToStorage, true);
    assert.equal(validateProxyConfig(config({})).projects[0]?.redirectToStorage, undefined);
    refuses(config({ redirectToStorage: 'yes' }, s3), /^projects\[0\]\.redirectToStorage: /);
    refuses(config({ redirectToStorage: true }), /^projects\[0\]\.redirectToStorage: needs storage\.s3/);
  });

  it('access: anonymous or an htpasswd file, exactly one', () => {
    assert.deepEqual(validateProxyConfig(config({ access: { anonymous: true } })).projects[0]?.access, { anonymous: true });
    assert.deepEqual(validateProxyConfig(config({ access: { htpasswdFile: '/h', anonymous: false } })).projects[0]?.access, { htpasswdFile: '/h' });
    refuses(config({ access: { anonymous: true, htpasswdFile: '/h' } }), /^projects\[0\]\.access: give either anonymous: true or htpasswdFile, not both/);
    refuses(config({ access: { anonymous: false } }), /^projects\[0\]\.access\.anonymous: must be true, or give htpasswdFile/);
    refuses(config({ access: {} }), /^projects\[0\]\.access\.anonymous: must be true/);
  });

  it('credentials: a username/password pair needs both files', () => {
    refuses(config({ credentials: { usernameFile: '/u' } }), /^projects\[0\]\.credentials\.passwordFile: must be a non-empty string/);
  });

  it('a registry host may carry a port; a scheme or path is no host', () => {
    assert.equal(validateProxyConfig(config({ registry: 'registry.example.com:5000' })).projects[0]?.registry, 'registry.example.com:5000');
    refuses(config({ registry: 'https://ghcr.io' }), /^projects\[0\]\.registry: "https:\/\/ghcr\.io" is not a registry host/);
  });

  it('noProxy is a list of non-empty strings', () => {
    refuses(config({ httpProxy: { url: 'http://p:3128', noProxy: '.svc' } }), /^projects\[0\]\.httpProxy\.noProxy: must be a list/);
    refuses(config({ httpProxy: { url: 'http://p:3128', noProxy: ['.svc', ''] } }), /^projects\[0\]\.httpProxy\.noProxy\[1\]: must be a non-empty string/);
  });

  it('refuses two projects of one name, and two default projects', () => {
    const twoNames = config();
    (twoNames.projects as unknown[]).push({ ...HUB, registry: 'ghcr.io' });
    refuses(twoNames, /^projects\[1\]\.name: "hub" is already used by projects\[0\]/);
    const twoDefaults = config({ default: true });
    (twoDefaults.projects as unknown[]).push({ name: 'ghcr', registry: 'ghcr.io', upstream: 'https://ghcr.io', default: true });
    refuses(twoDefaults, /^projects: at most one project may be default: true/);
  });

  it('log: a level alone, access alone, or both', () => {
    assert.deepEqual(validateProxyConfig(config({}, { log: { level: 'debug' } })).log, { level: 'debug' });
    assert.deepEqual(validateProxyConfig(config({}, { log: { access: false } })).log, { access: false });
  });

  it('refuses a projects value that is not a list', () => {
    refuses(config({}, { projects: { hub: HUB } }), /^projects: must be a list of at least one project/);
  });
});
