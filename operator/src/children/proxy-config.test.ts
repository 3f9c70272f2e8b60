import assert from 'node:assert/strict';
import { parseProxyConfig, ConfigError } from '@berth/contracts/proxy-config';
import { desiredProxyConfig, renderedProxyConfig } from './proxy-config.ts';
import { endpoint, inputs, project, secret } from './fixtures.test-helper.ts';

describe('proxy config for a project', () => {
  it('maps a Docker Hub project with defaults to one default project with the library/ rule', () => {
    const cfg = desiredProxyConfig(inputs());
    assert.deepEqual(cfg, {
      listen: '0.0.0.0:5000',
      storage: { directory: '/var/lib/berth' },
      log: { level: 'info' },
      projects: [{
        name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io', default: true,
        libraryPrefix: true, keepAfterUpstreamDelete: true, access: { anonymous: true },
        // no retention.maxSize: 85% of the default 20Gi volume, so the cache evicts before the disk is full
        retention: { maxSize: '17408Mi' },
      }],
    });
  });

  it('caps a cache without retention.maxSize at 85% of its volume, keeps unusedFor, and leaves a set maxSize alone', () => {
    const retention = (spec: Parameters<typeof project>[0]) => parseProxyConfig(renderedProxyConfig(inputs({ project: project(spec) }))).projects[0]?.retention;
    assert.deepEqual(retention({ storage: { size: '100Gi' } }), { maxSize: '87040Mi' });
    assert.deepEqual(retention({ storage: { size: '500Mi' }, cache: { retention: { unusedFor: '720h' } } }), { unusedFor: '720h', maxSize: '425Mi' });
    assert.deepEqual(retention({ storage: { size: '100Gi' }, cache: { retention: { maxSize: '99Gi' } } }), { maxSize: '99Gi' });
    assert.deepEqual(retention({ storage: { size: '1k' } }), { maxSize: '850' });
  });

  it('turns the request log on with spec.log.access, through the proxy\'s own validator', () => {
    assert.deepEqual(parseProxyConfig(renderedProxyConfig(inputs({ project: project({ log: { access: true } }) }))).log, { level: 'info', access: true });
    assert.deepEqual(parseProxyConfig(renderedProxyConfig(inputs({ project: project({ log: { access: false } }) }))).log, { level: 'info' });
  });

  it('with spec.tls: serves HTTPS on 5443 from the mounted Secret files, and plain HTTP on 5000 still', () => {
    const text = renderedProxyConfig(inputs({ project: project({ tls: { secretName: 'cache-tls' } }) }));
    const cfg = parseProxyConfig(text);
    assert.equal(cfg.listen, '0.0.0.0:5000');
    assert.deepEqual(cfg.tls, { listen: '0.0.0.0:5443', certFile: '/etc/berth/tls/tls.crt', keyFile: '/etc/berth/tls/tls.key' });
    assert.ok(!text.includes('cache-tls'), 'the config names mounted files, not the Secret');
    assert.equal(desiredProxyConfig(inputs()).tls, undefined);
  });

  it('maps every cache, TLS, proxy and access field, naming mounted files only', () => {
    const ep = endpoint({ provider: 'harbor', url: 'https://harbor.example.com', credentialsSecretRef: { name: 'creds' },
      tls: { caSecretRef: { name: 'ca' } }, httpProxy: { url: 'http://proxy:3128', noProxy: ['.svc'] } });
    const cfg = desiredProxyConfig(inputs({
      endpoint: ep,
      resolved: { url: 'https://harbor.example.com', registry: 'harbor.example.com', libraryPrefix: false },
      credentials: secret('creds', 'kubernetes.io/basic-auth', ['username', 'password']),
      project: project({
        cache: { tagTTL: '10m', keepAfterUpstreamDelete: false, retention: { unusedFor: '720h', maxSize: '5Gi' }, pinned: ['lib/app:1'] },
        access: { anonymous: false, htpasswdSecretRef: { name: 'users' } },
      }),
    }));
    assert.deepEqual(cfg.projects[0], {
      name: 'hub', registry: 'harbor.example.com', upstream: 'https://harbor.example.com', default: true, libraryPrefix: false,
      keepAfterUpstreamDelete: false,
      credentials: { usernameFile: '/etc/berth/credentials/username', passwordFile: '/etc/berth/credentials/password' },
      tls: { caFile: '/etc/berth/ca/ca.crt' },
      httpProxy: { url: 'http://proxy:3128', noProxy: ['.svc'] },
      tagTTL: '10m', retention: { unusedFor: '720h', maxSize: '5Gi' }, pinned: ['lib/app:1'],
      access: { htpasswdFile: '/etc/berth/access/htpasswd' },
    });
  });

  it('uses the dockerconfigjson file for that Secret type', () => {
    const cfg = desiredProxyConfig(inputs({
      endpoint: endpoint({ credentialsSecretRef: { name: 'pull' } }),
      credentials: secret('pull', 'kubernetes.io/dockerconfigjson', ['.dockerconfigjson']),
    }));
    assert.deepEqual(cfg.projects[0]?.credentials, { dockerConfigJsonFile: '/etc/berth/credentials/.dockerconfigjson' });
  });

  it('renders text the proxy itself parses back, without any Secret value', () => {
    const creds = secret('pull', 'kubernetes.io/dockerconfigjson', ['.dockerconfigjson']);
    const i = inputs({ endpoint: endpoint({ credentialsSecretRef: { name: 'pull' } }), credentials: creds });
    const text = renderedProxyConfig(i);
    assert.deepEqual(parseProxyConfig(text), desiredProxyConfig(i));
    assert.ok(!text.includes(Object.values(creds.data ?? {})[0] ?? '?'));
  });

  it('renders the shared Redis index of a project with several replicas, which the proxy parses back', () => {
    const i = inputs({ project: project({ replicas: 2, storage: { accessMode: 'ReadWriteMany' }, index: { redis: { url: 'redis://berth-redis:6379/0' } } }) });
    assert.deepEqual(desiredProxyConfig(i).index, { redis: 'redis://berth-redis:6379/0' });
    assert.deepEqual(parseProxyConfig(renderedProxyConfig(i)).index, { redis: 'redis://berth-redis:6379/0' });
  });

  it('leaves the index out, so the proxy uses its embedded one, when the project names no Redis', () => {
    assert.ok(!('index' in desiredProxyConfig(inputs())));
    assert.ok(!renderedProxyConfig(inputs()).includes('index'));
  });

  it('passes on the proxy validator\'s error, naming the key', () => {
    assert.throws(() => renderedProxyConfig(inputs({ project: project({ cache: { tagTTL: '5x' } }) })),
      (e: Error) => e instanceof ConfigError && e.message.startsWith('projects[0].tagTTL'));
  });
});
