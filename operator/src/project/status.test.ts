import assert from 'node:assert/strict';
import type { V1Deployment, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { projectStatus, nodeMirrorUrl, type ProjectObservation } from './status.ts';
import { endpoint, project } from '../children/fixtures.test-helper.ts';
import type { RegistryEndpoint } from '../api/index.ts';

const now = new Date('2026-01-01T00:00:00Z');
const readyEndpoint = (status: 'True' | 'False' = 'True', reason = 'Reachable', message = 'GET /v2/ answered 200'): RegistryEndpoint => ({
  ...endpoint(),
  status: { conditions: [{ type: 'Ready', status, reason, message, observedGeneration: 1, lastTransitionTime: now.toISOString() }] },
});
const bound: V1PersistentVolumeClaim = { spec: { storageClassName: 'standard' }, status: { phase: 'Bound', capacity: { storage: '20Gi' } } };
const available = (n = 1): V1Deployment => ({ metadata: { generation: 2 }, status: { observedGeneration: 2, replicas: n, updatedReplicas: n, availableReplicas: n } });

function verdict(over: Partial<ProjectObservation>) {
  return projectStatus({ project: project(), endpoint: readyEndpoint(), pvc: bound, deployment: available(), registry: 'docker.io', now, ...over });
}
const cond = (v: ReturnType<typeof verdict>, type: string) => v.status.conditions?.find((x) => x.type === type);

describe('project status', () => {
  it('with storage.s3: Ready without a claim, StorageBound names the bucket; a missing S3 Secret is Ready=False with its reason', () => {
    const s3 = project({ storage: { s3: { bucket: 'berth-cache', prefix: 'hub/', endpoint: 'http://minio:9000', credentialsSecretRef: { name: 'berth-s3' } } } });
    const v = projectStatus({ project: s3, endpoint: readyEndpoint(), deployment: available(2), registry: 'docker.io', now });
    assert.equal(v.ready.status, 'True');
    assert.deepEqual(cond(v, 'StorageBound'), { ...cond(v, 'StorageBound'), status: 'True', reason: 'ObjectStorage', message: 'bucket berth-cache, prefix hub/ at http://minio:9000: no volume' });
    const missing = projectStatus({ project: s3, endpoint: readyEndpoint(), registry: 'docker.io', now, blocked: { reason: 'SecretNotFound', message: 'Secret berth-s3 (spec.storage.s3.credentialsSecretRef) not found' } });
    assert.deepEqual([missing.ready.status, missing.ready.reason], ['False', 'SecretNotFound']);
    assert.equal(cond(missing, 'Stalled')?.status, 'True');
  });

  it('is Ready when the endpoint is ready, the volume bound and the pods available', () => {
    const v = verdict({});
    assert.equal(v.ready.status, 'True');
    assert.equal(v.status.observedGeneration, 1);
    assert.equal(v.status.registry, 'docker.io');
    assert.equal(v.status.urls?.inCluster, 'http://berth-hub.cache.svc:5000');
    assert.deepEqual(v.status.storage, { size: '20Gi', storageClassName: 'standard' });
    assert.deepEqual(
      v.status.conditions?.map((x) => `${x.type}=${x.status}`),
      ['Ready=True', 'Progressing=False', 'Degraded=False', 'EndpointReady=True', 'StorageBound=True', 'NodeMirrorReady=True', 'TLSReady=True', 'Reconciling=False', 'Stalled=False'],
    );
    assert.equal(cond(v, 'TLSReady')?.reason, 'Disabled');
    assert.equal(v.status.urls?.inClusterHTTPS, undefined);
  });

  describe('TLSReady (spec.tls)', () => {
    const tlsProject = project({ tls: { secretName: 'cache-tls' } });
    const certificate = { secretName: 'cache-tls', names: ['DNS:cache.example.com'], notAfter: new Date('2026-04-01T00:00:00Z'), fingerprint: 'AB:CD' };

    it('says what is served and until when, and gives the HTTPS Service URL', () => {
      const v = verdict({ project: tlsProject, servingTls: certificate });
      assert.equal(v.ready.status, 'True');
      assert.equal(cond(v, 'TLSReady')?.status, 'True');
      assert.equal(cond(v, 'TLSReady')?.reason, 'CertificateValid');
      assert.equal(cond(v, 'TLSReady')?.message, 'Secret cache-tls: certificate for DNS:cache.example.com (SHA-256 AB:CD) valid until 2026-04-01T00:00:00.000Z, served on port 443 of Service berth-hub');
      assert.equal(v.status.urls?.inClusterHTTPS, 'https://berth-hub.cache.svc');
    });

    for (const reason of ['TLSSecretNotFound', 'TLSSecretInvalid']) {
      it(`carries ${reason} on TLSReady and Ready alike, Stalled`, () => {
        const blocked = { reason, message: `Secret cache-tls (spec.tls.secretName): ${reason}` };
        const v = verdict({ project: tlsProject, blocked });
        for (const type of ['Ready', 'TLSReady']) {
          assert.equal(cond(v, type)?.status, 'False', type);
          assert.equal(cond(v, type)?.reason, reason, type);
          assert.equal(cond(v, type)?.message, blocked.message, type);
        }
        assert.equal(cond(v, 'Stalled')?.status, 'True');
      });
    }

    it('is Unknown when something else blocked the project before the Secret was read', () => {
      const v = verdict({ project: tlsProject, endpoint: undefined, blocked: { reason: 'EndpointNotFound', message: 'RegistryEndpoint docker-hub not found' } });
      assert.equal(cond(v, 'TLSReady')?.status, 'Unknown');
    });

    it('is False and the project Degraded (still Ready: plain HTTP serves) once the certificate expired', () => {
      const v = verdict({ project: tlsProject, servingTls: certificate, now: new Date('2026-04-01T00:00:01Z') });
      assert.equal(v.ready.status, 'True');
      assert.equal(cond(v, 'TLSReady')?.status, 'False');
      assert.equal(cond(v, 'TLSReady')?.reason, 'CertificateExpired');
      assert.match(cond(v, 'TLSReady')?.message ?? '', /expired at 2026-04-01T00:00:00\.000Z: clients refuse it; renew it/);
      assert.equal(cond(v, 'Degraded')?.status, 'True');
      assert.equal(cond(v, 'Degraded')?.reason, 'CertificateExpired');
    });
  });

  const table: [string, Partial<ProjectObservation>, string, RegExp][] = [
    ['a missing endpoint', { endpoint: undefined, blocked: { reason: 'EndpointNotFound', message: 'RegistryEndpoint docker-hub not found' } }, 'EndpointNotFound', /not found/],
    ['an unreachable upstream', { endpoint: readyEndpoint('False', 'Unreachable', 'connect ECONNREFUSED 127.0.0.1:1') }, 'EndpointNotReady', /RegistryEndpoint docker-hub: connect ECONNREFUSED/],
    ['a pending volume', { pvc: { status: { phase: 'Pending' } } }, 'StoragePending', /StorageClass \(default\) exists and can provision 20Gi/],
    ['pods not yet available', { deployment: { metadata: { generation: 2 }, status: { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 0 } } }, 'Deploying', /0 of 1 proxy pods available/],
    ['a rollout not yet observed', { deployment: { metadata: { generation: 3 }, status: { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 1 } } }, 'Deploying', /rolling out/],
  ];
  for (const [name, over, reason, message] of table) {
    it(`is not Ready with ${name}, saying why`, () => {
      const v = verdict(over);
      assert.equal(v.ready.status, 'False');
      assert.equal(v.ready.reason, reason);
      assert.match(v.ready.message, message);
    });
  }

  it('marks a rollout past its progress deadline Degraded, saying where to look', () => {
    const v = verdict({ deployment: { metadata: { generation: 2 }, status: {
      observedGeneration: 2, updatedReplicas: 1, availableReplicas: 0,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet has timed out progressing.' }],
    } } });
    assert.equal(v.ready.reason, 'ProgressDeadlineExceeded');
    assert.equal(cond(v, 'Degraded')?.status, 'True');
    assert.match(cond(v, 'Degraded')?.message ?? '', /0 of 1 proxy pods available: .*kubectl describe pods/);
  });

  it('marks a blocked project Stalled, not Progressing, for kstatus', () => {
    const v = verdict({ blocked: { reason: 'SecretNotFound', message: 'Secret x not found' } });
    assert.equal(cond(v, 'Stalled')?.status, 'True');
    assert.equal(cond(v, 'Progressing')?.status, 'False');
    assert.equal(cond(v, 'Reconciling')?.status, 'False');
  });

  it('marks a project that is still rolling out Progressing and Reconciling', () => {
    const v = verdict({ deployment: undefined });
    assert.equal(cond(v, 'Progressing')?.status, 'True');
    assert.equal(cond(v, 'Reconciling')?.status, 'True');
    assert.equal(cond(v, 'Stalled')?.status, 'False');
  });

  it('stays Ready but Degraded and Stalled when a storage change is refused', () => {
    const v = verdict({ storageRefusal: { reason: 'StorageShrinkRefused', message: 'set storage.size to 20Gi or more' } });
    assert.equal(v.ready.status, 'True');
    assert.equal(cond(v, 'Degraded')?.reason, 'StorageShrinkRefused');
    assert.equal(cond(v, 'Stalled')?.status, 'True');
  });

  it('is Degraded when some replicas are down', () => {
    const p = project({ replicas: 3, storage: { accessMode: 'ReadWriteMany' } });
    const v = verdict({ project: p, deployment: { metadata: { generation: 1 }, status: { observedGeneration: 1, updatedReplicas: 3, availableReplicas: 2 } } });
    assert.equal(cond(v, 'Degraded')?.reason, 'ReplicasUnavailable');
  });

  it('carries cache figures and node counts for the columns', () => {
    const v = verdict({
      stats: { artifacts: 2, bytes: 3 * 2 ** 30, hits: 9, misses: 1, upstreamDeleted: 0, lastUpstreamError: null },
      nodeMirror: { configured: 2, total: 3, condition: { type: 'NodeMirrorReady', status: 'False', reason: 'NotConfigured', message: '1 node left' } },
    });
    assert.equal(v.status.cache?.size, '3Gi');
    assert.equal(v.status.cache?.hitPercent, 90);
    assert.deepEqual(v.status.nodes, { configured: 2, total: 3, summary: '2/3' });
  });

  it('keeps the previous cache figures when the proxy could not be asked', () => {
    const p = project();
    p.status = { cache: { artifacts: 5, size: '5Ki' } };
    assert.deepEqual(verdict({ project: p }).status.cache, { artifacts: 5, size: '5Ki' });
  });

  it('gives nodes an address they can resolve', () => {
    const svc = { spec: { clusterIP: '10.0.0.12', ports: [{ port: 5000, nodePort: 30500 }] } };
    const p = (address: string) => project({ nodeMirror: { enabled: true, address }, ingress: { host: 'c.example.com', tls: { secretName: 't' } } });
    assert.equal(nodeMirrorUrl({ project: p('clusterIP'), service: svc }), 'http://10.0.0.12:5000');
    assert.equal(nodeMirrorUrl({ project: p('nodePort'), service: svc }), 'http://127.0.0.1:30500');
    assert.equal(nodeMirrorUrl({ project: p('ingress'), service: svc }), 'https://c.example.com');
    assert.equal(nodeMirrorUrl({ project: p('http://10.1.1.1:5000/'), service: svc }), 'http://10.1.1.1:5000');
    assert.equal(nodeMirrorUrl({ project: project(), service: svc }), undefined);
  });
});
