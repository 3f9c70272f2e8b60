// The TypeScript types of both kinds and the CRD schemas in crds/ describe the same fields.
// The samples are typed with DeepRequired, so they set every field of the type (tsc checks that); the walk then
// checks that every sample field is in the schema with the right type, and that every schema field is in the sample.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { disagreements, uncovered, type JsonSchema } from './schema-walk.ts';
import { NODE_RUNTIMES, POD_IMAGE_REWRITE_MODES, type ProxyCacheProject } from './proxy-cache-project.ts';
import { PROVIDERS, type RegistryEndpoint } from './registry-endpoint.ts';
import type { Condition } from './conditions.ts';

type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;

function crdSchema(file: string): JsonSchema {
  const crd = parse(readFileSync(new URL(`../../../crds/${file}`, import.meta.url), 'utf8'));
  return crd.spec.versions[0].schema.openAPIV3Schema as JsonSchema;
}

const condition: DeepRequired<Condition> = {
  type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Probed', message: 'ok',
};
// metadata is `type: object` without properties in a CRD; the walk checks spec and status.
const meta = { name: 'x', namespace: 'ns' };

const endpoint: Omit<DeepRequired<RegistryEndpoint>, 'metadata'> & { metadata: typeof meta } = {
  apiVersion: 'berth.dev/v1alpha1',
  kind: 'RegistryEndpoint',
  metadata: meta,
  spec: {
    provider: 'dockerhub',
    url: 'https://registry-1.docker.io',
    credentialsSecretRef: { name: 'hub' },
    tls: { caSecretRef: { name: 'ca', key: 'ca.crt' }, insecureSkipVerify: false },
    httpProxy: { url: 'http://proxy:3128', noProxy: ['.svc'] },
  },
  status: {
    observedGeneration: 1,
    url: 'https://registry-1.docker.io',
    lastProbeTime: '2026-01-01T00:00:00Z',
    rateLimit: { limit: 100, remaining: 99, window: '21600s' },
    conditions: [condition],
  },
};

const project: Omit<DeepRequired<ProxyCacheProject>, 'metadata'> & { metadata: typeof meta } = {
  apiVersion: 'berth.dev/v1alpha1',
  kind: 'ProxyCacheProject',
  metadata: meta,
  spec: {
    endpointRef: { name: 'hub' },
    registry: 'docker.io',
    replicas: 2,
    storage: {
      size: '20Gi', storageClassName: 'fast', accessMode: 'ReadWriteMany',
      s3: {
        endpoint: 'https://minio.storage.svc:9000', bucket: 'berth-cache', region: 'us-east-1', prefix: 'berth/hub/', forcePathStyle: true,
        credentialsSecretRef: { name: 'berth-s3', accessKeyIdKey: 'accessKeyId', secretAccessKeyKey: 'secretAccessKey' },
        ca: { secretKeyRef: { name: 'minio-ca', key: 'ca.crt' }, configMapKeyRef: { name: 'minio-ca', key: 'ca.crt' } },
        redirect: false,
      },
    },
    index: { redis: { url: 'redis://berth-redis:6379/0' } },
    sharedCache: 'harbor',
    cache: { tagTTL: '5m', keepAfterUpstreamDelete: true, retention: { unusedFor: '720h', maxSize: '10Gi' }, pinned: ['library/nginx:1.27'] },
    access: { anonymous: false, htpasswdSecretRef: { name: 'users', key: 'htpasswd' } },
    tls: { secretName: 'cache-serving-tls' },
    ingress: { host: 'cache.example.com', className: 'nginx', tls: { secretName: 'cache-tls' } },
    nodeMirror: { enabled: true, runtimes: ['containerd'], nodeSelector: { role: 'worker' }, address: 'clusterIP' },
    podImageRewrite: {
      enabled: true,
      mode: 'Rewrite',
      namespaceSelector: { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
      objectSelector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'skip', operator: 'NotIn', values: ['yes'] }] },
      match: ['^quay\\.io/org/'],
      exclude: [':latest$'],
      checkUpstream: { enabled: true, platforms: ['linux/amd64'], podPlatform: true },
      address: 'cache.example.com',
    },
    resources: { requests: { cpu: '100m' }, limits: { memory: '512Mi' } },
    log: { access: true },
    image: 'ghcr.io/berth-dev/berth-proxy:0.1.0',
  },
  status: {
    observedGeneration: 1,
    registry: 'docker.io',
    urls: { inCluster: 'http://a', nodeMirror: 'http://b', ingress: 'https://c', inClusterHTTPS: 'https://d' },
    cache: {
      artifacts: 1, bytes: 2, size: '2', hits: 3, misses: 4, hitPercent: 43, upstreamDeleted: 0,
      repositories: 1, keptAfterUpstreamDelete: 0, topRepositories: [{ name: 'library/nginx', bytes: 2, size: '2' }],
      lastUpstreamError: 'x', updateTime: '2026-01-01T00:00:00Z',
    },
    nodes: { configured: 1, total: 2, summary: '1/2' },
    storage: { size: '20Gi', storageClassName: 'fast' },
    podImageRewrite: {
      address: 'cache.example.com', mode: 'Rewrite', message: 'ok', rewritten: 3, audited: 0, skipped: 1, checkFailures: 1,
      lastCheckFailure: { image: 'quay.io/org/app:v9', message: 'the cache answered 404', time: '2026-01-01T00:00:00Z' },
      updateTime: '2026-01-01T00:00:00Z',
    },
    conditions: [condition],
  },
};

describe('API types and CRD schemas agree', () => {
  for (const [file, sample] of [
    ['registryendpoints.berth.dev.yaml', endpoint],
    ['proxycacheprojects.berth.dev.yaml', project],
  ] as const) {
    it(`${file}: every typed field is in the schema, with its type`, () => {
      assert.deepEqual(disagreements(crdSchema(file), sample), []);
    });
    it(`${file}: every schema field is in the type`, () => {
      assert.deepEqual(uncovered(crdSchema(file), sample), []);
    });
  }

  it('enums match the constants the operator switches on', () => {
    const ep = crdSchema('registryendpoints.berth.dev.yaml');
    assert.deepEqual(ep.properties?.spec?.properties?.provider?.enum, [...PROVIDERS]);
    const pcp = crdSchema('proxycacheprojects.berth.dev.yaml');
    assert.deepEqual(pcp.properties?.spec?.properties?.nodeMirror?.properties?.runtimes?.items?.enum, [...NODE_RUNTIMES]);
    assert.deepEqual(pcp.properties?.spec?.properties?.podImageRewrite?.properties?.mode?.enum, [...POD_IMAGE_REWRITE_MODES]);
  });

  it('both kinds have a status subresource, the category berth and their short name', () => {
    for (const [file, short] of [['registryendpoints.berth.dev.yaml', 'regep'], ['proxycacheprojects.berth.dev.yaml', 'pcp']]) {
      const crd = parse(readFileSync(new URL(`../../../crds/${file}`, import.meta.url), 'utf8'));
      assert.deepEqual(crd.spec.versions[0].subresources, { status: {} });
      assert.deepEqual(crd.spec.names.categories, ['berth']);
      assert.deepEqual(crd.spec.names.shortNames, [short]);
    }
  });
});
