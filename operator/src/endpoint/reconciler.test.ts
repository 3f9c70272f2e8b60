import assert from 'node:assert/strict';
import { FakeKube } from '../kube/fake-kube.test-helper.ts';
import { endpointReconciler } from './reconciler.ts';
import { silentLogger } from '../observe/logger.ts';
import type { ProbeInput, ProbeResult } from './registry-probe.ts';
import type { RegistryEndpoint } from '../api/index.ts';
import { endpoint, secret } from '../children/fixtures.test-helper.ts';

const now = () => new Date('2026-01-01T00:00:00Z');
const PASSWORD = 'hunter2-very-secret';

function setup(probeResult: ProbeResult = { ok: true, reason: 'Authenticated', message: 'registry-1.docker.io accepted the credentials (token)' }) {
  const kube = new FakeKube();
  const probes: ProbeInput[] = [];
  const endpoints = kube.cache<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint');
  const reconcileEndpoint = endpointReconciler({ kube, endpoints, log: silentLogger, now, probe: async (input) => (probes.push(input), probeResult) });
  return { kube, probes, reconcileEndpoint };
}

const ready = (p: RegistryEndpoint | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready');

describe('endpoint reconciler (in-memory apiserver)', () => {
  it('endpoint: probes with the Secret\'s credentials and writes Ready, never the password', async () => {
    const { kube, probes, reconcileEndpoint } = setup();
    kube.put(endpoint({ credentialsSecretRef: { name: 'hub-creds' } }));
    kube.put({ ...secret('hub-creds', 'kubernetes.io/basic-auth', []), data: { username: Buffer.from('me').toString('base64'), password: Buffer.from(PASSWORD).toString('base64') } });
    const result = await reconcileEndpoint('cache', 'docker-hub');
    assert.deepEqual(probes[0]?.credentials, { username: 'me', password: PASSWORD });
    assert.equal(probes[0]?.rateLimitRepository, 'ratelimitpreview/test');
    const ep = kube.find<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint', 'cache', 'docker-hub');
    assert.equal(ready(ep)?.status, 'True');
    assert.equal(ep?.status?.url, 'https://registry-1.docker.io');
    assert.equal(ep?.status?.observedGeneration, 1);
    assert.equal(result.requeueAfterMs, 5 * 60_000);
    assert.ok(!JSON.stringify([ep, kube.events]).includes(PASSWORD));
  });

  it('endpoint: a missing Secret is Ready=False SecretNotFound, retried sooner, without probing', async () => {
    const { kube, probes, reconcileEndpoint } = setup();
    kube.put(endpoint({ credentialsSecretRef: { name: 'nope' } }));
    const result = await reconcileEndpoint('cache', 'docker-hub');
    const ep = kube.find<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint', 'cache', 'docker-hub');
    assert.equal(ready(ep)?.reason, 'SecretNotFound');
    assert.match(ready(ep)?.message ?? '', /Secret nope \(spec.credentialsSecretRef\) not found in namespace cache/);
    assert.equal(probes.length, 0);
    assert.equal(result.requeueAfterMs, 30_000);
    assert.equal(kube.events[0]?.type, 'Warning');
  });

  it('endpoint: wrong credentials reported by the probe become the condition', async () => {
    const { kube, reconcileEndpoint } = setup({ ok: false, reason: 'WrongCredentials', message: 'x refused the credentials' });
    kube.put(endpoint());
    await reconcileEndpoint('cache', 'docker-hub');
    assert.equal(ready(kube.find<RegistryEndpoint>('berth.dev/v1alpha1', 'RegistryEndpoint', 'cache', 'docker-hub'))?.reason, 'WrongCredentials');
  });

});
