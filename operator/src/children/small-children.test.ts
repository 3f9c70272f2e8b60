import assert from 'node:assert/strict';
import { desiredService } from './service.ts';
import { desiredIngress } from './ingress.ts';
import { desiredPodDisruptionBudget } from './pdb.ts';
import { desiredConfigMap } from './configmap.ts';
import { childName } from './names.ts';
import { rolloutHash } from './rollout-hash.ts';
import { credentialsKind, SecretShapeError } from './inputs.ts';
import { inputs, project, secret } from './fixtures.test-helper.ts';

describe('small children', () => {
  it('Service: ClusterIP on port 5000 selecting the proxy pods; NodePort when the node mirror or rewritten pod images use one', () => {
    const s = desiredService(project());
    assert.equal(s.spec?.type, 'ClusterIP');
    assert.deepEqual(s.spec?.ports, [{ name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' }]);
    assert.deepEqual(s.spec?.selector, { 'app.kubernetes.io/name': 'berth-proxy', 'app.kubernetes.io/instance': 'berth-hub' });
    assert.equal(desiredService(project({ nodeMirror: { enabled: true, address: 'nodePort' } })).spec?.type, 'NodePort');
    assert.equal(desiredService(project({ podImageRewrite: { enabled: true, address: 'nodePort' } })).spec?.type, 'NodePort');
    assert.equal(desiredService(project({ podImageRewrite: { enabled: false, address: 'nodePort' } })).spec?.type, 'ClusterIP');
  });

  it('Service: with spec.tls, port 443 (https) to the pods\' https port, after http', () => {
    const ports = desiredService(project({ tls: { secretName: 'cache-tls' } })).spec?.ports;
    assert.deepEqual(ports, [
      { name: 'http', port: 5000, targetPort: 'http', protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('Ingress: only with a host; TLS and class when given', () => {
    assert.equal(desiredIngress(project()), undefined);
    const i = desiredIngress(project({ ingress: { host: 'cache.example.com', className: 'nginx', tls: { secretName: 'tls' } } }));
    assert.equal(i?.spec?.ingressClassName, 'nginx');
    assert.deepEqual(i?.spec?.tls, [{ hosts: ['cache.example.com'], secretName: 'tls' }]);
    assert.equal(i?.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name, 'berth-hub');
  });

  it('PodDisruptionBudget: only above one replica', () => {
    assert.equal(desiredPodDisruptionBudget(project({ replicas: 1 })), undefined);
    assert.equal(desiredPodDisruptionBudget(project({ replicas: 2 }))?.spec?.maxUnavailable, 1);
  });

  it('ConfigMap: the rendered text under config.yaml, owned by the project', () => {
    const cm = desiredConfigMap(inputs(), 'listen: x');
    assert.deepEqual(cm.data, { 'config.yaml': 'listen: x' });
    assert.equal(cm.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
    assert.equal(cm.metadata?.ownerReferences?.[0]?.controller, true);
  });

  it('names: long and dotted project names give valid, distinct DNS labels', () => {
    const a = childName(project({}, `${'a'.repeat(100)}.x`));
    const b = childName(project({}, `${'a'.repeat(100)}.y`));
    assert.ok(a.length <= 63 && /^[a-z0-9-]+$/.test(a));
    assert.notEqual(a, b);
    assert.equal(childName(project({}, 'my.cache')), 'berth-my-cache');
  });

  it('rollout hash: changes with the config or a Secret version, not otherwise', () => {
    const s1 = secret('c', 'kubernetes.io/basic-auth', ['username', 'password'], '1');
    const s2 = secret('c', 'kubernetes.io/basic-auth', ['username', 'password'], '2');
    assert.equal(rolloutHash('a', [s1]), rolloutHash('a', [s1]));
    assert.notEqual(rolloutHash('a', [s1]), rolloutHash('b', [s1]));
    assert.notEqual(rolloutHash('a', [s1]), rolloutHash('a', [s2]));
    assert.notEqual(rolloutHash('a', [undefined, s1]), rolloutHash('a', [s1, undefined]));
  });

  it('credentials Secret shape: refuses an Opaque Secret without the expected keys, naming what to use', () => {
    assert.equal(credentialsKind(secret('c', 'Opaque', ['username', 'password'])), 'basic-auth');
    assert.throws(() => credentialsKind(secret('c', 'Opaque', ['token'])), (e: Error) => e instanceof SecretShapeError && /kubernetes\.io\/dockerconfigjson/.test(e.message));
  });
});
