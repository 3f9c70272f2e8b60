import assert from 'node:assert/strict';
import { ConfigError, parseProxyConfig, renderProxyConfig, validateProxyConfig } from './index.ts';

const FULL = `
listen: 0.0.0.0:5000
storage: { directory: /var/lib/berth }
index: { redis: redis://host:6379 }
log: { level: info, access: true }
tls: { listen: 0.0.0.0:5443, certFile: /etc/berth/tls/tls.crt, keyFile: /etc/berth/tls/tls.key }
projects:
  - name: docker-hub
    registry: docker.io
    upstream: https://registry-1.docker.io
    default: true
    libraryPrefix: true
    credentials: { usernameFile: /s/username, passwordFile: /s/password }
    tls: { caFile: /s/ca.crt, insecureSkipVerify: false }
    httpProxy: { url: http://proxy:3128, noProxy: [".svc"] }
    tagTTL: 5m
    notFoundTTL: 10s
    keepAfterUpstreamDelete: true
    retention: { unusedFor: 720h, maxSize: 50Gi }
    pinned: ["library/nginx:1.27"]
    access: { anonymous: true }
  - name: ghcr
    registry: ghcr.io
    upstream: https://ghcr.io
    credentials: { dockerConfigJsonFile: /s/.dockerconfigjson }
    access: { htpasswdFile: /s/htpasswd }
`;

function minimal(project: Record<string, unknown> = {}, top: Record<string, unknown> = {}): unknown {
  return {
    listen: '127.0.0.1:5000',
    storage: { directory: '/tmp/x' },
    projects: [{ name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io', ...project }],
    ...top,
  };
}

function rejects(value: unknown, message: string | RegExp): void {
  assert.throws(() => validateProxyConfig(value), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('proxy config', () => {
  it('reads every key of the documented example', () => {
    const cfg = parseProxyConfig(FULL);
    assert.equal(cfg.listen, '0.0.0.0:5000');
    assert.deepEqual(cfg.log, { level: 'info', access: true });
    assert.deepEqual(cfg.index, { redis: 'redis://host:6379' });
    assert.deepEqual(cfg.tls, { listen: '0.0.0.0:5443', certFile: '/etc/berth/tls/tls.crt', keyFile: '/etc/berth/tls/tls.key' });
    assert.equal(cfg.projects.length, 2);
    assert.deepEqual(cfg.projects[0]!.retention, { unusedFor: '720h', maxSize: '50Gi' });
    assert.deepEqual(cfg.projects[0]!.httpProxy, { url: 'http://proxy:3128', noProxy: ['.svc'] });
    assert.deepEqual(cfg.projects[1]!.credentials, { dockerConfigJsonFile: '/s/.dockerconfigjson' });
    assert.deepEqual(cfg.projects[1]!.access, { htpasswdFile: '/s/htpasswd' });
  });

  it('renders text that parses back to the same config', () => {
    const cfg = parseProxyConfig(FULL);
    assert.deepEqual(parseProxyConfig(renderProxyConfig(cfg)), cfg);
  });

  it('names the key of a bad duration', () => {
    rejects(minimal({ tagTTL: '5x' }), 'projects[0].tagTTL: "5x" is not a duration (use e.g. 30s, 5m, 168h)');
    rejects(minimal({ notFoundTTL: 'soon' }), 'projects[0].notFoundTTL: "soon" is not a duration (use e.g. 30s, 5m, 168h)');
  });

  it('refuses unknown keys at every level', () => {
    rejects(minimal({ tagTtl: '5m' }), /^projects\[0\]\.tagTtl: unknown key/);
    rejects(minimal({}, { extra: 1 }), /^extra: unknown key/);
    rejects(minimal({ retention: { maxSize: '1Gi', minSize: '1' } }), /^projects\[0\]\.retention\.minSize: unknown key/);
  });

  const bad: [string, unknown, RegExp][] = [
    ['a bad size', minimal({ retention: { maxSize: '50GB' } }), /^projects\[0\]\.retention\.maxSize: "50GB" is not a size/],
    ['a bad project name', minimal({ name: 'Docker_Hub' }), /^projects\[0\]\.name:/],
    ['a bad upstream', minimal({ upstream: 'ftp://x' }), /^projects\[0\]\.upstream: "ftp:\/\/x" must use http or https/],
    ['a bad listen', minimal({}, { listen: 'nowhere' }), /^listen:/],
    ['no projects', minimal({}, { projects: [] }), /^projects: must be a list/],
    ['a non-boolean', minimal({ keepAfterUpstreamDelete: 'yes' }), /^projects\[0\]\.keepAfterUpstreamDelete: must be true or false/],
    ['both credential kinds', minimal({ credentials: { dockerConfigJsonFile: '/a', usernameFile: '/b' } }), /^projects\[0\]\.credentials:/],
    ['a bad log level', minimal({}, { log: { level: 'loud' } }), /^log\.level:/],
    ['an access log that is not on or off', minimal({}, { log: { access: 'yes' } }), /^log\.access: must be true or false/],
    ['a pinned tag outside the grammar', minimal({ pinned: ['library/nginx:1.27', 'nginx:-x'] }), /^projects\[0\]\.pinned\[1\]: "nginx:-x" is not an image reference: "-x" is not a valid tag/],
    ['a pinned upper-case name', minimal({ pinned: ['Library/Nginx'] }), /^projects\[0\]\.pinned\[0\]: .*not a repository name/],
    ['a pinned unknown digest algorithm', minimal({ pinned: ['app@md5:abc'] }), /^projects\[0\]\.pinned\[0\]: .*not a sha256 or sha512 digest/],
    ['a TLS port without its key file', minimal({}, { tls: { listen: ':5443', certFile: '/t/tls.crt' } }), /^tls\.keyFile: must be a non-empty string, got undefined/],
    ['a TLS listen that is no address', minimal({}, { tls: { listen: 'https', certFile: '/c', keyFile: '/k' } }), /^tls\.listen: "https" must be HOST:PORT, e.g. 0\.0\.0\.0:5443/],
    ['a TLS listen on the plain port', minimal({}, { tls: { listen: '0.0.0.0:5000', certFile: '/c', keyFile: '/k' } }), /^tls\.listen: "0\.0\.0\.0:5000" uses the port of listen \("127\.0\.0\.1:5000"\): HTTPS needs a port of its own/],
    ['an unknown TLS key', minimal({}, { tls: { listen: ':5443', certFile: '/c', keyFile: '/k', minVersion: 'TLSv1.0' } }), /^tls\.minVersion: unknown key \(allowed: listen, certFile, keyFile\)/],
    ['a redirect to storage without object storage', minimal({ redirectToStorage: true }), /^projects\[0\]\.redirectToStorage: needs storage\.s3/],
    ['a redirect to storage that is not on or off', minimal({ redirectToStorage: 'yes' }), /^projects\[0\]\.redirectToStorage: must be true or false/],
    ['a missing storage', { listen: ':5000', projects: [] }, /^storage: must be a mapping/],
  ];
  for (const [what, value, message] of bad) it(`refuses ${what}`, () => rejects(value, message));

  describe('a user or password inside a URL', () => {
    const secret = 's3cr3t-Pa55';
    const cases: [string, unknown, RegExp][] = [
      ['an upstream with user and password', minimal({ upstream: `https://bob:${secret}@registry.example.com` }),
        /^projects\[0\]\.upstream: "https:\/\/\*\*\*@registry\.example\.com" must not carry a user or password \(credentials never go in a URL\): remove them from the URL and give credentials: \{ usernameFile, passwordFile \} or \{ dockerConfigJsonFile \}/],
      ['an upstream with a token only', minimal({ upstream: `https://${secret}@registry.example.com/v2` }), /^projects\[0\]\.upstream: .*must not carry a user or password/],
      ['an upstream with a user only', minimal({ upstream: 'https://bob@registry.example.com' }), /^projects\[0\]\.upstream: .*must not carry a user or password/],
      ['an upstream that is no URL but holds a password', minimal({ upstream: `https://bob:${secret}@registry.example.com:port` }), /^projects\[0\]\.upstream: "https:\/\/\*\*\*@registry\.example\.com:port" is not a URL/],
      ['a non-http upstream with a password', minimal({ upstream: `ftp://bob:${secret}@x` }), /^projects\[0\]\.upstream: "ftp:\/\/\*\*\*@x" must not carry/],
      ['an httpProxy with a password', minimal({ httpProxy: { url: `http://bob:${secret}@proxy:3128` } }), /^projects\[0\]\.httpProxy\.url: .*must not carry a user or password.*no proxy credentials setting/],
      ['a Redis with a password', minimal({}, { index: { redis: `redis://:${secret}@redis:6379/0` } }), /^index\.redis: "redis:\/\/\*\*\*@redis:6379\/0" must not carry a user or password.*no Redis password setting; use a Redis without auth behind a NetworkPolicy/],
    ];
    for (const [what, value, message] of cases) {
      it(`refuses ${what}, and the error does not carry it`, () => {
        rejects(value, message);
        try {
          validateProxyConfig(value);
        } catch (err) {
          assert.ok(!(err as Error).message.includes(secret), (err as Error).message);
          assert.ok(!(err as Error).message.includes('bob'), (err as Error).message);
        }
      });
    }
  });

  it('refuses two projects for one registry', () => {
    const cfg = minimal() as { projects: unknown[] };
    cfg.projects.push({ name: 'other', registry: 'docker.io', upstream: 'http://127.0.0.1:1' });
    rejects(cfg, /^projects\[1\]\.registry: "docker.io" is already used by projects\[0\]/);
  });

  it('reports bad YAML as a ConfigError', () => {
    assert.throws(() => parseProxyConfig('listen: [unclosed'), ConfigError);
  });
});

describe('proxy config: upstreamTimeouts', () => {
  it('reads the four durations, each optional', () => {
    const cfg = validateProxyConfig(minimal({}, { upstreamTimeouts: { connect: '2s', headers: '5s', body: '1m', deadline: '20s' } }));
    assert.deepEqual(cfg.upstreamTimeouts, { connect: '2s', headers: '5s', body: '1m', deadline: '20s' });
    assert.deepEqual(validateProxyConfig(minimal({}, { upstreamTimeouts: { deadline: '45s' } })).upstreamTimeouts, { deadline: '45s' });
    assert.equal(validateProxyConfig(minimal()).upstreamTimeouts, undefined);
  });
  it('refuses zero (no timeout at all), a non-duration and an unknown key', () => {
    rejects(minimal({}, { upstreamTimeouts: { headers: '0s' } }), /^upstreamTimeouts\.headers: must be above zero/);
    rejects(minimal({}, { upstreamTimeouts: { body: 'soon' } }), /^upstreamTimeouts\.body: "soon" is not a duration/);
    rejects(minimal({}, { upstreamTimeouts: { total: '1m' } }), /^upstreamTimeouts\.total: unknown key/);
  });
});
