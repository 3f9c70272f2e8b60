import assert from 'node:assert/strict';
import { project, service } from './fixtures.test-helper.ts';
import { DEFAULT_NAMESPACE_SELECTOR, DEFAULT_OBJECT_SELECTOR, resolveRule, rewriteAddress, ruleOrder, type RewriteRule } from './rules.ts';

const resolve = (p: ReturnType<typeof project>, svc = service('10.96.0.7', 31500)) => resolveRule({ project: p, service: svc, checkUrl: 'http://10.96.0.7:5000', servesCluster: false });

describe('webhook: a project resolved into its rewrite rule', () => {
  it('is nothing while podImageRewrite is off', () => {
    const p = project('q');
    p.spec.podImageRewrite = { enabled: false };
    assert.equal(resolve(p), undefined);
    delete p.spec.podImageRewrite;
    assert.equal(resolve(p), undefined);
  });

  it('defaults: Rewrite, opt-in namespace label, opt-out pod label, checkUpstream on, the ClusterIP address', () => {
    const r = resolve(project('q')) as RewriteRule;
    assert.deepEqual([r.mode, r.namespaceSelector, r.objectSelector, r.check, r.address, r.registry],
      ['Rewrite', DEFAULT_NAMESPACE_SELECTOR, DEFAULT_OBJECT_SELECTOR, { enabled: true, platforms: [], podPlatform: false }, '10.96.0.7:5000', 'quay.io']);
  });

  const addresses: [string, Parameters<typeof project>[1], string | RegExp][] = [
    ['ingress host by default when there is one', { ingressHost: 'cache.example.com' }, 'cache.example.com'],
    ['clusterIP', { rewrite: { address: 'clusterIP' }, ingressHost: 'cache.example.com' }, '10.96.0.7:5000'],
    ['nodePort: the node\'s loopback', { rewrite: { address: 'nodePort' } }, '127.0.0.1:31500'],
    ['an explicit host:port', { rewrite: { address: 'Cache.Example.com:443' } }, 'cache.example.com:443'],
    ['never a *.svc name', { rewrite: { address: 'berth-q.caches.svc:5000' } }, /cluster DNS name node runtimes cannot resolve/],
    ['never *.cluster.local', { rewrite: { address: 'berth-q.caches.svc.cluster.local' } }, /cluster DNS name/],
    ['ingress without a host', { rewrite: { address: 'ingress' } }, /needs spec.ingress.host/],
  ];
  for (const [name, opts, want] of addresses) {
    it(`address: ${name}`, () => {
      const got = rewriteAddress(project('q', opts), service('10.96.0.7', 31500));
      if (typeof want === 'string') assert.deepEqual(got, { host: want });
      else assert.match((got as { pending: string }).pending, want);
    });
  }

  it('waits for the Service before it knows a ClusterIP or node port', () => {
    assert.match((rewriteAddress(project('q'), undefined) as { pending: string }).pending, /ClusterIP/);
    assert.match((rewriteAddress(project('q', { rewrite: { address: 'nodePort' } }), service('10.96.0.7')) as { pending: string }).pending, /node port/);
  });

  it('reports a problem, not a rule, for a bad pattern, a registry with a port, or an unknown registry', () => {
    assert.match((resolve(project('q', { rewrite: { match: ['(unclosed'] } })) as { message: string }).message, /podImageRewrite.match "\(unclosed" is not a regular expression/);
    assert.match((resolve(project('q', { rewrite: { exclude: ['[z-a]'] } })) as { message: string }).message, /podImageRewrite.exclude/);
    assert.match((resolve(project('q', { registry: 'registry.example.com:5000' })) as { message: string }).message, /has a port/);
    const p = project('q');
    delete p.spec.registry;
    assert.match((resolve(p) as { message: string }).message, /not known yet/);
    p.status = { registry: 'ghcr.io' };
    assert.equal((resolve(p) as RewriteRule).registry, 'ghcr.io');
  });

  it('orders several projects of one registry: the pod\'s namespace, then the oldest, then by name', () => {
    const rules = [
      resolve(project('b', { namespace: 'x', created: '2026-01-01T00:00:00Z' })),
      resolve(project('a', { namespace: 'y', created: '2026-01-01T00:00:00Z' })),
      resolve(project('old', { namespace: 'z', created: '2025-01-01T00:00:00Z' })),
      resolve(project('mine', { namespace: 'apps', created: '2026-06-01T00:00:00Z' })),
    ] as RewriteRule[];
    assert.deepEqual(rules.sort(ruleOrder('apps')).map((r) => r.key), ['apps/mine', 'z/old', 'x/b', 'y/a']);
  });
});
