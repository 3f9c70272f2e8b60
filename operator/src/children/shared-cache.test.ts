import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { validateProxyConfig } from '@berth/contracts/proxy-config';
import type { ProxyCacheProjectSpec, RegistryEndpointSpec } from '../api/index.ts';
import { endpoint, inputs, project, secret } from './fixtures.test-helper.ts';
import type { ProjectInputs } from './inputs.ts';
import { ROLLOUT_HASH_ANNOTATION } from './rollout-hash.ts';
import { CACHE_LABEL, desiredSharedChildren } from './shared-cache.ts';
import { resolveEndpoint } from './provider-defaults.ts';
import { defaultMaxSize } from './default-retention.ts';
import { instanceSettings } from '../project/cache-groups.ts';

function memberInputs(name: string, registry: string, spec: Partial<ProxyCacheProjectSpec> = {}, ep: Partial<RegistryEndpointSpec> = {}, over: Partial<ProjectInputs> = {}): ProjectInputs {
  const e = endpoint({ provider: 'oci', url: `https://${registry}`, ...ep });
  const p = project({ sharedCache: 'harbor', registry, ...spec }, name);
  p.metadata.uid = `uid-${name}`;
  return inputs({ project: p, endpoint: e, resolved: resolveEndpoint(e), ...over });
}

const hub = () => memberInputs('hub', 'docker.io', { replicas: 1, storage: { size: '200Gi' } }, { provider: 'dockerhub', url: 'https://registry-1.docker.io', credentialsSecretRef: { name: 'hub-creds' } }, { credentials: secret('hub-creds', 'kubernetes.io/dockerconfigjson', ['.dockerconfigjson']) });
const quay = () => memberInputs('quay', 'quay.io', { access: { htpasswdSecretRef: { name: 'quay-users' } } }, {}, { htpasswd: secret('quay-users', 'Opaque', ['htpasswd']) });
const ghcr = () => memberInputs('ghcr', 'ghcr.io', { nodeMirror: { enabled: true, address: 'nodePort' } }, { credentialsSecretRef: { name: 'ghcr-creds' } }, { credentials: secret('ghcr-creds', 'kubernetes.io/basic-auth', ['username', 'password']) });

function render(members = [hub(), quay(), ghcr()], root = members[0]!) {
  const children = desiredSharedChildren({ cache: 'harbor', members, root, settings: instanceSettings(members.map((m) => m.project)).spec });
  const of = <T>(kind: string) => children.apply.find((o) => o.kind === kind) as T;
  const configMap = of<V1ConfigMap>('ConfigMap');
  return { children, of, config: validateProxyConfig(parse(configMap.data?.['config.yaml'] ?? '')) };
}

describe('shared cache children', () => {
  it('one set of children named after the cache, one config listing every member', () => {
    const { children, config } = render();
    assert.deepEqual(children.apply.map((o) => `${o.kind} ${o.metadata?.name}`), ['PersistentVolumeClaim berth-cache-harbor', 'ConfigMap berth-cache-harbor', 'Service berth-cache-harbor', 'Deployment berth-cache-harbor']);
    assert.deepEqual(config.projects.map((p) => [p.name, p.registry, p.default === true]), [['hub', 'docker.io', true], ['quay', 'quay.io', false], ['ghcr', 'ghcr.io', false]]);
    assert.equal(config.storage && 'directory' in config.storage ? config.storage.directory : undefined, '/var/lib/berth');
  });

  it('each member keeps its own upstream credentials, access file and retention, in a folder of its own', () => {
    const { config, of } = render();
    const [h, q, g] = config.projects;
    assert.deepEqual(h?.credentials, { dockerConfigJsonFile: '/etc/berth/projects/hub/credentials/.dockerconfigjson' });
    assert.deepEqual(h?.access, { anonymous: true });
    assert.deepEqual(q?.access, { htpasswdFile: '/etc/berth/projects/quay/access/htpasswd' });
    assert.equal(q?.credentials, undefined);
    assert.deepEqual(g?.credentials, { usernameFile: '/etc/berth/projects/ghcr/credentials/username', passwordFile: '/etc/berth/projects/ghcr/credentials/password' });
    // Retention sized from the cache's volume (the leader's 200Gi), not each member's own default.
    assert.deepEqual(config.projects.map((p) => p.retention?.maxSize), Array(3).fill(defaultMaxSize('200Gi')));
    const pod = of<V1Deployment>('Deployment').spec?.template.spec;
    const mounts = pod?.containers[0]?.volumeMounts?.map((m) => `${m.name}:${m.mountPath}`);
    assert.deepEqual(mounts?.slice(3), ['credentials-0:/etc/berth/projects/hub/credentials', 'access-1:/etc/berth/projects/quay/access', 'credentials-2:/etc/berth/projects/ghcr/credentials']);
    assert.deepEqual(pod?.volumes?.slice(3).map((v) => `${v.name}:${v.secret?.secretName}`), ['credentials-0:hub-creds', 'access-1:quay-users', 'credentials-2:ghcr-creds']);
  });

  it('owned by every member (none the controller), labelled by the cache and by no single project', () => {
    const { children, of } = render();
    for (const obj of children.apply) {
      assert.deepEqual(obj.metadata?.ownerReferences?.map((o) => `${o.name}/${o.uid}/${o.controller}`), ['hub/uid-hub/false', 'quay/uid-quay/false', 'ghcr/uid-ghcr/false'], obj.kind);
      assert.equal(obj.metadata?.labels?.[CACHE_LABEL], 'harbor');
      assert.equal(obj.metadata?.labels?.['berth.dev/project'], undefined);
    }
    const template = of<V1Deployment>('Deployment').spec?.template.metadata?.labels;
    assert.equal(template?.[CACHE_LABEL], 'harbor');
    assert.deepEqual(of<V1Deployment>('Deployment').spec?.selector.matchLabels, { 'app.kubernetes.io/name': 'berth-proxy', 'app.kubernetes.io/instance': 'berth-cache-harbor' });
  });

  it('instance settings are the leader\'s; the Service is a NodePort when any member needs one', () => {
    const { of } = render();
    assert.equal(of<V1Service>('Service').spec?.type, 'NodePort');
    const { of: plain } = render([hub(), quay()]);
    assert.equal(plain<V1Service>('Service').spec?.type, 'ClusterIP');
    const claim = of<{ spec: { resources: { requests: { storage: string } } } }>('PersistentVolumeClaim');
    assert.equal(claim.spec.resources.requests.storage, '200Gi');
  });

  it('the pods roll when any member\'s Secret changes, and not otherwise', () => {
    const hash = (members: ProjectInputs[]) => render(members).of<V1Deployment>('Deployment').spec?.template.metadata?.annotations?.[ROLLOUT_HASH_ANNOTATION];
    const before = hash([hub(), quay()]);
    assert.equal(hash([hub(), quay()]), before);
    const rotated = quay();
    rotated.htpasswd = secret('quay-users', 'Opaque', ['htpasswd'], '2');
    assert.notEqual(hash([hub(), rotated]), before);
  });

  it('the root member is the one served at /v2/', () => {
    const members = [quay(), hub()];
    const { config } = render(members, members[1]);
    assert.deepEqual(config.projects.map((p) => [p.name, p.default === true]), [['quay', false], ['hub', true]]);
  });

  it('on a bucket (storage.s3 of the oldest member): no claim, the S3 keys mounted once, every member on it, redirect for all', () => {
    const s3 = { bucket: 'berth-cache', endpoint: 'https://minio:9000', credentialsSecretRef: { name: 'berth-s3' }, redirect: true };
    const a = memberInputs('hub', 'docker.io', { replicas: 2, storage: { s3 }, index: { redis: { url: 'redis://r:6379/0' } } }, {}, { s3Credentials: secret('berth-s3', 'Opaque', ['accessKeyId', 'secretAccessKey']) });
    const { children, of, config } = render([a, quay()]);
    assert.ok(!children.apply.some((o) => o.kind === 'PersistentVolumeClaim'));
    assert.deepEqual(config.storage.s3?.accessKeyIdFile, '/etc/berth/s3/accessKeyId');
    assert.deepEqual(config.projects.map((p) => [p.name, p.redirectToStorage, p.retention]), [['hub', true, undefined], ['quay', true, undefined]]);
    const volumes = of<V1Deployment>('Deployment').spec?.template.spec?.volumes ?? [];
    assert.deepEqual(volumes.filter((v) => v.secret?.secretName === 'berth-s3').map((v) => v.name), ['s3-credentials']);
    assert.deepEqual(volumes.find((v) => v.name === 'storage'), { name: 'storage', emptyDir: {} });
    assert.equal(of<V1Deployment>('Deployment').spec?.strategy?.type, 'RollingUpdate');
  });
});
