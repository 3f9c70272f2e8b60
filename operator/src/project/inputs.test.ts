import assert from 'node:assert/strict';
import type { RegistryEndpoint } from '../api/index.ts';
import { endpoint, project, secret } from '../children/fixtures.test-helper.ts';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { Blocked } from './blocked.ts';
import { readInputs, readServingTls, type InputSources } from './inputs.ts';

const IMAGE = 'ghcr.io/berth-dev/berth-proxy:0.1.0';

function sourcesOf(kube: FakeKube): InputSources {
  return { kube, endpoints: kube.cache<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint'), defaultImage: IMAGE };
}

const blocked = (reason: string, message: RegExp) => (e: unknown) => e instanceof Blocked && e.reason === reason && message.test(e.message);

describe('project inputs', () => {
  let kube: FakeKube;
  beforeEach(() => (kube = new FakeKube()));

  it('the project, its endpoint resolved with the provider\'s defaults, and the default image', async () => {
    kube.put(endpoint());
    const inputs = await readInputs(sourcesOf(kube), project());
    assert.equal(inputs.endpoint.metadata.name, 'docker-hub');
    assert.equal(inputs.resolved.registry, 'docker.io');
    assert.equal(inputs.defaultImage, IMAGE);
    assert.equal(inputs.credentials, undefined);
  });

  it('EndpointNotFound when the endpoint is not in the cache, naming it and the namespace', async () => {
    await assert.rejects(readInputs(sourcesOf(kube), project()), blocked('EndpointNotFound', /^RegistryEndpoint docker-hub not found in namespace cache/));
  });

  it('EndpointInvalid when the endpoint cannot be resolved', async () => {
    kube.put(endpoint({ provider: 'oci' }));
    await assert.rejects(readInputs(sourcesOf(kube), project()), blocked('EndpointInvalid', /^RegistryEndpoint docker-hub: spec\.url is required/));
  });

  it('reads the Secrets the endpoint and the project name, and says which field names a missing one', async () => {
    kube.put(endpoint({ credentialsSecretRef: { name: 'hub-creds' }, tls: { caSecretRef: { name: 'hub-ca' } } }));
    const withAccess = project({ access: { htpasswdSecretRef: { name: 'users' } } });
    await assert.rejects(readInputs(sourcesOf(kube), withAccess), blocked('SecretNotFound', /^Secret hub-creds \(RegistryEndpoint docker-hub spec\.credentialsSecretRef\) not found in namespace cache/));
    kube.put(secret('hub-creds', 'kubernetes.io/basic-auth', ['username', 'password']));
    await assert.rejects(readInputs(sourcesOf(kube), withAccess), blocked('SecretNotFound', /spec\.tls\.caSecretRef/));
    kube.put(secret('hub-ca', 'Opaque', ['ca.crt']));
    await assert.rejects(readInputs(sourcesOf(kube), withAccess), blocked('SecretNotFound', /^Secret users \(spec\.access\.htpasswdSecretRef\)/));
    kube.put(secret('users', 'Opaque', ['htpasswd']));
    const inputs = await readInputs(sourcesOf(kube), withAccess);
    assert.deepEqual([inputs.credentials?.metadata?.name, inputs.ca?.metadata?.name, inputs.htpasswd?.metadata?.name], ['hub-creds', 'hub-ca', 'users']);
  });

  it('an anonymous project does not read its htpasswd Secret', async () => {
    kube.put(endpoint());
    const inputs = await readInputs(sourcesOf(kube), project({ access: { anonymous: true, htpasswdSecretRef: { name: 'users' } } }));
    assert.equal(inputs.htpasswd, undefined);
  });

  it('serving TLS: none without spec.tls; TLSSecretNotFound and TLSSecretInvalid name the Secret', async () => {
    assert.equal(await readServingTls(sourcesOf(kube), project()), undefined);
    const withTls = project({ tls: { secretName: 'hub-tls' } });
    await assert.rejects(readServingTls(sourcesOf(kube), withTls), blocked('TLSSecretNotFound', /^Secret hub-tls \(spec\.tls\.secretName\) not found in namespace cache/));
    kube.put(secret('hub-tls', 'kubernetes.io/tls', ['tls.crt']));
    await assert.rejects(readServingTls(sourcesOf(kube), withTls), blocked('TLSSecretInvalid', /has no tls\.key/));
  });

  it('spec.storage.s3: SecretNotFound or ConfigMapNotFound naming the field, InvalidConfiguration for a missing key', async () => {
    kube.put(endpoint());
    const s3 = project({ storage: { s3: { bucket: 'berth-cache', endpoint: 'https://s3.local', credentialsSecretRef: { name: 'berth-s3' }, ca: { configMapKeyRef: { name: 'minio-ca' } } } } });
    await assert.rejects(readInputs(sourcesOf(kube), s3), blocked('SecretNotFound', /^Secret berth-s3 \(spec\.storage\.s3\.credentialsSecretRef\) not found in namespace cache: create it with the keys accessKeyId and secretAccessKey/));
    kube.put(secret('berth-s3', 'Opaque', ['accessKeyId']));
    await assert.rejects(readInputs(sourcesOf(kube), s3), blocked('InvalidConfiguration', /has no key secretAccessKey/));
    kube.put(secret('berth-s3', 'Opaque', ['accessKeyId', 'secretAccessKey']));
    await assert.rejects(readInputs(sourcesOf(kube), s3), blocked('ConfigMapNotFound', /^ConfigMap minio-ca \(spec\.storage\.s3\.ca\.configMapKeyRef\)/));
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'minio-ca', namespace: 'cache' }, data: { 'ca.crt': 'PEM' } });
    const inputs = await readInputs(sourcesOf(kube), s3);
    assert.deepEqual([inputs.s3Credentials?.metadata?.name, inputs.s3Ca?.metadata?.name], ['berth-s3', 'minio-ca']);
  });
});
