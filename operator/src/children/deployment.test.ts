import assert from 'node:assert/strict';
import { desiredDeployment } from './deployment.ts';
import { endpoint, inputs, project, secret } from './fixtures.test-helper.ts';

describe('proxy Deployment', () => {
  it('runs a secure pod with probes, requests and the rollout hash', () => {
    const d = desiredDeployment(inputs(), 'abc');
    const pod = d.spec?.template.spec;
    const c = pod?.containers[0];
    assert.equal(d.metadata?.name, 'berth-hub');
    assert.deepEqual(d.metadata?.ownerReferences?.[0]?.kind, 'ProxyCacheProject');
    assert.equal(d.spec?.template.metadata?.annotations?.['berth.dev/config-hash'], 'abc');
    assert.equal(pod?.securityContext?.runAsNonRoot, true);
    assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(c?.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(c?.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(c?.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(c?.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c?.livenessProbe?.httpGet?.path, '/healthz');
    assert.deepEqual(c?.resources?.requests, { cpu: '100m', memory: '128Mi' });
    assert.deepEqual(c?.args, ['serve', '--config', '/etc/berth/config/config.yaml']);
    assert.equal(c?.image, 'ghcr.io/berth-dev/berth-proxy:0.1.0');
    assert.equal(d.spec?.strategy?.type, 'Recreate');
  });

  it('mounts the credentials Secret by reference, read-only, and never carries its values', () => {
    const creds = secret('hub-creds', 'kubernetes.io/basic-auth', ['username', 'password']);
    const d = desiredDeployment(inputs({ endpoint: endpoint({ credentialsSecretRef: { name: 'hub-creds' } }), credentials: creds }), 'h');
    const vol = d.spec?.template.spec?.volumes?.find((v) => v.name === 'credentials');
    assert.equal(vol?.secret?.secretName, 'hub-creds');
    assert.deepEqual(vol?.secret?.items?.map((i) => i.key), ['username', 'password']);
    const mount = d.spec?.template.spec?.containers[0]?.volumeMounts?.find((m) => m.name === 'credentials');
    assert.deepEqual(mount, { name: 'credentials', mountPath: '/etc/berth/credentials', readOnly: true });
    assert.ok(!JSON.stringify(d).includes(creds.data?.password ?? '?'));
  });

  it('mounts the CA and htpasswd Secrets under the keys the project names', () => {
    const d = desiredDeployment(inputs({
      endpoint: endpoint({ tls: { caSecretRef: { name: 'ca', key: 'bundle.pem' } } }),
      project: project({ access: { anonymous: false, htpasswdSecretRef: { name: 'users', key: 'list' } } }),
    }), 'h');
    const vols = Object.fromEntries((d.spec?.template.spec?.volumes ?? []).map((v) => [v.name, v]));
    assert.deepEqual(vols.ca?.secret?.items, [{ key: 'bundle.pem', path: 'ca.crt' }]);
    assert.deepEqual(vols.access?.secret?.items, [{ key: 'list', path: 'htpasswd' }]);
  });

  it('with spec.tls: mounts tls.crt and tls.key of the Secret read-only and opens the https port beside http', () => {
    const d = desiredDeployment(inputs({ project: project({ tls: { secretName: 'cache-tls' } }) }), 'h');
    const pod = d.spec?.template.spec;
    const vol = pod?.volumes?.find((v) => v.name === 'serving-tls');
    assert.deepEqual(vol?.secret, { secretName: 'cache-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 0o440 });
    assert.deepEqual(pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'serving-tls'), { name: 'serving-tls', mountPath: '/etc/berth/tls', readOnly: true });
    assert.deepEqual(pod?.containers[0]?.ports, [
      { name: 'http', containerPort: 5000, protocol: 'TCP' },
      { name: 'https', containerPort: 5443, protocol: 'TCP' },
    ]);
    // Probes stay on plain HTTP: the kubelet needs no certificate, and a broken renewal does not fail the pod.
    assert.equal(pod?.containers[0]?.readinessProbe?.httpGet?.port, 'http');
  });

  it('without spec.tls: no certificate volume and no https port', () => {
    const pod = desiredDeployment(inputs(), 'h').spec?.template.spec;
    assert.equal(pod?.volumes?.find((v) => v.name === 'serving-tls'), undefined);
    assert.deepEqual(pod?.containers[0]?.ports?.map((p) => p.name), ['http']);
  });

  it('honours replicas, image and resources, and rolls without surge only on a shared volume', () => {
    const d = desiredDeployment(inputs({ project: project({
      replicas: 3, image: 'example/proxy:dev', storage: { accessMode: 'ReadWriteMany' },
      resources: { requests: { memory: '256Mi' }, limits: { memory: 1073741824 } },
    }) }), 'h');
    assert.equal(d.spec?.replicas, 3);
    assert.equal(d.spec?.template.spec?.containers[0]?.image, 'example/proxy:dev');
    assert.deepEqual(d.spec?.template.spec?.containers[0]?.resources, { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1073741824' } });
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
  });

  it('drops the default memory limit when the project asks for more memory without a limit', () => {
    const d = desiredDeployment(inputs({ project: project({ resources: { requests: { memory: '1Gi' } } }) }), 'h');
    assert.deepEqual(d.spec?.template.spec?.containers[0]?.resources, { requests: { cpu: '100m', memory: '1Gi' } });
  });

  it('takes the admin\'s pod settings under the project\'s own: pull secrets, scheduling, priority, annotations, resources', () => {
    const pod = {
      imagePullSecrets: ['ghcr-pull'],
      priorityClassName: 'cache-critical',
      nodeSelector: { pool: 'storage' },
      tolerations: [{ key: 'storage', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      podAnnotations: { 'example.com/owner': 'platform', 'berth.dev/config-hash': 'not-this' },
      resources: { requests: { cpu: '250m' }, limits: { memory: '1Gi' } },
    };
    const d = desiredDeployment(inputs({ pod }), 'abc');
    const spec = d.spec?.template.spec;
    assert.deepEqual(spec?.imagePullSecrets, [{ name: 'ghcr-pull' }]);
    assert.equal(spec?.priorityClassName, 'cache-critical');
    assert.deepEqual(spec?.nodeSelector, { pool: 'storage' });
    assert.deepEqual(spec?.tolerations, pod.tolerations);
    assert.deepEqual(spec?.affinity, pod.affinity);
    // the rollout hash is the operator's: an annotation of the same name cannot stop a rollout
    assert.deepEqual(d.spec?.template.metadata?.annotations, { 'example.com/owner': 'platform', 'berth.dev/config-hash': 'abc' });
    assert.deepEqual(spec?.containers[0]?.resources, { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '1Gi' } });
    // a project's own resources win over the admin's
    const own = desiredDeployment(inputs({ pod, project: project({ resources: { requests: { cpu: '1' }, limits: { memory: '2Gi' } } }) }), 'abc');
    assert.deepEqual(own.spec?.template.spec?.containers[0]?.resources, { requests: { cpu: '1', memory: '128Mi' }, limits: { memory: '2Gi' } });
    // none of it by default
    const plain = desiredDeployment(inputs(), 'abc').spec?.template.spec;
    assert.deepEqual([plain?.imagePullSecrets, plain?.priorityClassName, plain?.nodeSelector, plain?.tolerations, plain?.affinity], [undefined, undefined, undefined, undefined, undefined]);
  });
});
