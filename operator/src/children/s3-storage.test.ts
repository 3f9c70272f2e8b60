import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Deployment, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { parseProxyConfig } from '@berth/contracts/proxy-config';
import type { ProxyCacheProjectSpec, S3Storage } from '../api/index.ts';
import { desiredChildren } from './index.ts';
import { desiredDeployment } from './deployment.ts';
import { renderedProxyConfig } from './proxy-config.ts';
import { checkS3Ca, checkS3CredentialsSecret } from './s3-storage.ts';
import { inputs, project, secret } from './fixtures.test-helper.ts';
import { SecretShapeError } from './inputs.ts';

const bucket: S3Storage = {
  endpoint: 'https://minio.storage.svc:9000', bucket: 'berth-cache', region: 'eu-west-1', prefix: 'berth/hub/', forcePathStyle: true,
  credentialsSecretRef: { name: 'berth-s3' },
};
const withS3 = (s3: S3Storage, more: Partial<ProxyCacheProjectSpec> = {}) => project({ storage: { s3 }, ...more });
const creds = (resourceVersion = '1') => secret('berth-s3', 'Opaque', ['accessKeyId', 'secretAccessKey'], resourceVersion);
const caMap = (resourceVersion = '1'): V1ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'minio-ca', namespace: 'cache', uid: 'uid-ca', resourceVersion }, data: { 'ca.crt': 'PEM' },
});

describe('spec.storage.s3', () => {
  it('renders the proxy\'s storage.s3 with the mounted key files, the emptyDir as working dir, and no default size cap', () => {
    const text = renderedProxyConfig(inputs({ project: withS3(bucket), s3Credentials: creds() }));
    const cfg = parseProxyConfig(text);
    assert.deepEqual(cfg.storage, {
      directory: '/var/lib/berth',
      s3: {
        endpoint: 'https://minio.storage.svc:9000', bucket: 'berth-cache', region: 'eu-west-1', prefix: 'berth/hub/', forcePathStyle: true,
        accessKeyIdFile: '/etc/berth/s3/accessKeyId', secretAccessKeyFile: '/etc/berth/s3/secretAccessKey',
      },
    });
    assert.equal(cfg.projects[0]?.retention, undefined, 'a bucket has no size to take 85% of');
    assert.equal(cfg.projects[0]?.redirectToStorage, undefined);
    assert.ok(!text.includes(Buffer.from('s3cr3t-value').toString('base64')) && !text.includes('s3cr3t-value'), 'a key value in the config');
  });

  it('without credentialsSecretRef leaves the keys to the SDK\'s chain; redirect, ca and retention render as set', () => {
    const s3: S3Storage = { bucket: 'berth-cache', endpoint: 'https://s3.local', redirect: true, ca: { configMapKeyRef: { name: 'minio-ca' } } };
    const cfg = parseProxyConfig(renderedProxyConfig(inputs({ project: withS3(s3, { cache: { retention: { maxSize: '500Gi', unusedFor: '720h' } } }), s3Ca: caMap() })));
    assert.deepEqual(cfg.storage.s3, { endpoint: 'https://s3.local', bucket: 'berth-cache', caFile: '/etc/berth/s3-ca/ca.crt' });
    assert.equal(cfg.projects[0]?.redirectToStorage, true);
    assert.deepEqual(cfg.projects[0]?.retention, { unusedFor: '720h', maxSize: '500Gi' });
  });

  it('runs the pods on an emptyDir with the Secret\'s keys and the CA mounted as files, and rolls them one at a time', () => {
    const s3: S3Storage = { ...bucket, credentialsSecretRef: { name: 'berth-s3', accessKeyIdKey: 'id', secretAccessKeyKey: 'key' }, ca: { secretKeyRef: { name: 'minio-ca', key: 'bundle.pem' } } };
    const d = desiredDeployment(inputs({ project: withS3(s3) }), 'h');
    const pod = d.spec?.template.spec;
    const vols = Object.fromEntries((pod?.volumes ?? []).map((v) => [v.name, v]));
    assert.deepEqual(vols.storage, { name: 'storage', emptyDir: {} });
    assert.deepEqual(vols['s3-credentials']?.secret, { secretName: 'berth-s3', items: [{ key: 'id', path: 'accessKeyId' }, { key: 'key', path: 'secretAccessKey' }], defaultMode: 0o440 });
    assert.deepEqual(vols['s3-ca']?.secret, { secretName: 'minio-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }], defaultMode: 0o444 });
    const mounts = Object.fromEntries((pod?.containers[0]?.volumeMounts ?? []).map((m) => [m.name, m]));
    assert.deepEqual(mounts['s3-credentials'], { name: 's3-credentials', mountPath: '/etc/berth/s3', readOnly: true });
    assert.deepEqual(mounts['s3-ca'], { name: 's3-ca', mountPath: '/etc/berth/s3-ca', readOnly: true });
    assert.deepEqual(d.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    // endpoints go before the process stops: the preStop and the proxy's 25 s drain fit in the grace period
    assert.deepEqual(pod?.containers[0]?.lifecycle?.preStop, { sleep: { seconds: 5 } });
    assert.ok((pod?.terminationGracePeriodSeconds ?? 30) >= 5 + 25);
    assert.equal(pod?.containers[0]?.readinessProbe?.httpGet?.path, '/readyz');
  });

  it('renders no claim, and a PDB that keeps one pod serving when there are two', () => {
    const children = desiredChildren(inputs({ project: withS3(bucket, { replicas: 2, index: { redis: { url: 'redis://r:6379/0' } } }), s3Credentials: creds() }));
    const kinds = children.apply.map((o) => o.kind);
    assert.ok(!kinds.includes('PersistentVolumeClaim'), kinds.join());
    assert.ok(!children.absent.some((a) => a.kind === 'PersistentVolumeClaim'), 'a claim is never deleted for a bucket');
    const pdb = children.apply.find((o) => o.kind === 'PodDisruptionBudget') as V1PodDisruptionBudget | undefined;
    assert.equal(pdb?.spec?.maxUnavailable, 1);
    assert.equal((children.apply.find((o) => o.kind === 'Deployment') as V1Deployment).spec?.replicas, 2);
  });

  it('a rotated credentials Secret rolls nothing (the proxy re-reads the files); a changed CA rolls the pods', () => {
    const hashOf = (over: Parameters<typeof inputs>[0]) => desiredChildren(inputs(over)).rolloutHash;
    const p = withS3({ ...bucket, ca: { configMapKeyRef: { name: 'minio-ca' } } });
    const before = hashOf({ project: p, s3Credentials: creds('1'), s3Ca: caMap('1') });
    assert.equal(hashOf({ project: p, s3Credentials: creds('2'), s3Ca: caMap('1') }), before);
    assert.notEqual(hashOf({ project: p, s3Credentials: creds('2'), s3Ca: caMap('2') }), before);
  });

  it('a volume project keeps its claim, Recreate (ReadWriteOnce) and the same drain on the way out', () => {
    const children = desiredChildren(inputs());
    assert.ok(children.apply.some((o) => o.kind === 'PersistentVolumeClaim'));
    const d = children.apply.find((o) => o.kind === 'Deployment') as V1Deployment;
    assert.equal(d.spec?.strategy?.type, 'Recreate');
    assert.deepEqual(d.spec?.template.spec?.volumes?.find((v) => v.name === 'storage')?.persistentVolumeClaim, { claimName: 'berth-hub' });
    const rwx = desiredDeployment(inputs({ project: project({ storage: { accessMode: 'ReadWriteMany' } }) }), 'h');
    assert.equal(rwx.spec?.strategy?.type, 'RollingUpdate');
  });

  it('names the missing key of the credentials Secret or the CA, and the field that chooses it, without a value', () => {
    const partial = secret('berth-s3', 'Opaque', ['accessKeyId']);
    assert.throws(() => checkS3CredentialsSecret(partial, bucket), (e: unknown) => e instanceof SecretShapeError
      && /^Secret berth-s3 \(spec\.storage\.s3\.credentialsSecretRef\) has no key secretAccessKey: add it, or set spec\.storage\.s3\.credentialsSecretRef\.secretAccessKeyKey/.test(e.message)
      && !e.message.includes('s3cr3t'));
    checkS3CredentialsSecret(creds(), bucket);
    const ca = { ...bucket, endpoint: 'https://s3.local', ca: { configMapKeyRef: { name: 'minio-ca', key: 'bundle.pem' } } };
    assert.throws(() => checkS3Ca(caMap(), ca), /ConfigMap minio-ca \(spec\.storage\.s3\.ca\.configMapKeyRef\) has no key bundle\.pem/);
  });
});
