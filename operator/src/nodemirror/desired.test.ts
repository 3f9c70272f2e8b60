import assert from 'node:assert/strict';
import { parseNodeAgentConfig } from '@berth/contracts/node-agent';
import { nodeMirrorAddress } from './address.ts';
import { assignRegistries } from './conflicts.ts';
import { AGENT_CONFIG_KEY, desiredNodeAgent } from './desired.ts';
import { project } from './fixtures.test-helper.ts';

// team-a is allowed to mirror onto nodes (labelled); tenancy.test.ts covers the decision itself.
const opts = { namespace: 'berth-system', image: 'ghcr.io/berth-dev/berth-proxy:0.1.0', policy: { labelled: new Set(['team-a']), listed: new Set<string>() } };

describe('node agent DaemonSet and config', () => {
  it('renders every enabled project into the agent config, with the node address and path prefix', () => {
    const hub = project('hub');
    const ghcr = project('ghcr', { registry: 'ghcr.io' });
    const off = project('off', { registry: 'quay.io', enabled: false });
    const { configMap } = desiredNodeAgent([hub, ghcr, off], {
      ...opts,
      resolved: { 'team-a/hub': { address: 'http://10.96.0.50:5000', upstream: 'https://registry-1.docker.io' }, 'team-a/ghcr': { address: 'http://10.96.0.51:5000' } },
    });
    const cfg = parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '');
    assert.deepEqual(cfg.nodeReports, { namespace: 'berth-system' });
    assert.deepEqual(
      cfg.registries.map((r) => [r.registry, r.project, r.mirror, r.pathPrefix, r.upstream]),
      [
        ['docker.io', 'team-a/hub', 'http://10.96.0.50:5000', '/v2/docker.io', 'https://registry-1.docker.io'],
        ['ghcr.io', 'team-a/ghcr', 'http://10.96.0.51:5000', '/v2/ghcr.io', 'https://ghcr.io'],
      ],
    );
    assert.match(configMap.metadata?.annotations?.['berth.dev/config-hash'] ?? '', /^[0-9a-f]{16}$/);
  });

  it('members of one shared cache: every registry under its path prefix at the one address; only the root member at /v2/', () => {
    const shared = (name: string, registry: string, created: string) => {
      const p = project(name, { registry, created });
      p.spec.sharedCache = 'harbor';
      return p;
    };
    const quay = shared('quay', 'quay.io', '2024-01-01T00:00:00Z');
    const hub = shared('hub', 'docker.io', '2025-01-01T00:00:00Z');
    const address = { address: 'http://10.96.0.60:5000' };
    const { configMap } = desiredNodeAgent([quay, hub], { ...opts, resolved: { 'team-a/quay': address, 'team-a/hub': address } });
    assert.deepEqual(
      parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '').registries.map((r) => [r.registry, r.mirror + r.pathPrefix, r.rootMirror]),
      [['docker.io', 'http://10.96.0.60:5000/v2/docker.io', true], ['quay.io', 'http://10.96.0.60:5000/v2/quay.io', false]],
    );
  });

  it('leaves a project out until its address is known', () => {
    const { configMap } = desiredNodeAgent([project('hub')], opts);
    assert.deepEqual(parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '').registries, []);
  });

  it('gives the registry to the older of two projects; the other is a conflict', () => {
    const older = project('older', { created: '2024-05-01T00:00:00Z' });
    const newer = project('newer', { created: '2025-05-01T00:00:00Z' });
    const { conflicts, owners } = assignRegistries([newer, older]);
    assert.equal(owners.get('docker.io'), older);
    assert.deepEqual([...conflicts], [['team-a/newer', 'team-a/older']]);
    const { configMap } = desiredNodeAgent([newer, older], { ...opts, resolved: { 'team-a/older': { address: 'http://10.0.0.1:5000' }, 'team-a/newer': { address: 'http://10.0.0.2:5000' } } });
    assert.deepEqual(parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '').registries.map((r) => r.project), ['team-a/older']);
  });

  it('leaves out projects in namespaces not allowed to mirror, before the oldest project is chosen', () => {
    const squatter = project('hub', { namespace: 'tenant', created: '2020-01-01T00:00:00Z' });
    const allowed = project('hub', { created: '2025-01-01T00:00:00Z' });
    const listed = project('ghcr', { namespace: 'platform', registry: 'ghcr.io' });
    const resolved = { 'tenant/hub': { address: 'http://10.0.0.9:5000' }, 'team-a/hub': { address: 'http://10.0.0.1:5000' }, 'platform/ghcr': { address: 'http://10.0.0.2:5000' } };
    const { configMap, conflicts, refused } = desiredNodeAgent([squatter, allowed, listed], { ...opts, resolved, policy: { labelled: new Set(['team-a']), listed: new Set(['platform']) } });
    const cfg = parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '');
    assert.deepEqual(cfg.registries.map((r) => [r.registry, r.project]), [['docker.io', 'team-a/hub'], ['ghcr.io', 'platform/ghcr']]);
    assert.deepEqual([...refused.keys()], ['tenant/hub']);
    assert.equal(conflicts.size, 0, 'a refused project holds no registry, so the allowed one is no conflict');
  });

  it('renders an empty config when no namespace is allowed (the default)', () => {
    const { configMap, refused } = desiredNodeAgent([project('hub')], { ...opts, resolved: { 'team-a/hub': { address: 'http://10.0.0.1:5000' } }, policy: { labelled: new Set(), listed: new Set() } });
    assert.deepEqual(parseNodeAgentConfig(configMap.data?.[AGENT_CONFIG_KEY] ?? '').registries, []);
    assert.deepEqual([...refused.keys()], ['team-a/hub']);
  });

  it('runs the agent on every node with the runtimes\' folders mounted, and nothing more privileged than root', () => {
    const { daemonSet } = desiredNodeAgent([project('hub')], { ...opts, resolved: { 'team-a/hub': { address: 'http://10.0.0.1:5000' } } });
    const pod = daemonSet.spec?.template.spec;
    const c = pod?.containers[0];
    assert.deepEqual(pod?.tolerations, [{ operator: 'Exists' }]);
    assert.equal(pod?.affinity, undefined);
    assert.deepEqual(c?.args?.slice(0, 5), ['node-agent', '--config', '/etc/berth/node-agent/agent.yaml', '--host-root', '/host']);
    assert.equal(c?.image, opts.image);
    const hostPaths = Object.fromEntries((pod?.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.hostPath?.path, v.hostPath?.type]));
    for (const p of ['/etc/containerd', '/etc/rancher', '/etc/containers', '/etc/docker']) assert.equal(hostPaths[p], 'DirectoryOrCreate', p);
    assert.ok(c?.volumeMounts?.some((m) => m.mountPath === '/host/etc/containerd' && !m.readOnly));
    assert.deepEqual(c?.securityContext, { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.equal(pod?.hostNetwork, undefined);
    assert.equal(pod?.hostPID, undefined);
  });

  it('schedules on the union of the projects\' nodeSelectors', () => {
    const a = project('a', { nodeSelector: { pool: 'gpu' } });
    const b = project('b', { registry: 'ghcr.io', nodeSelector: { pool: 'cpu', zone: 'z1' } });
    const { daemonSet } = desiredNodeAgent([a, b], { ...opts, resolved: { 'team-a/a': { address: 'http://10.0.0.1:5000' }, 'team-a/b': { address: 'http://10.0.0.2:5000' } } });
    assert.deepEqual(daemonSet.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }] },
      { matchExpressions: [{ key: 'pool', operator: 'In', values: ['cpu'] }, { key: 'zone', operator: 'In', values: ['z1'] }] },
    ]);
  });

  it('takes the admin\'s pod settings: pull secrets, priority, resources, annotations, scheduling ANDed with the projects\'', () => {
    const a = project('a', { nodeSelector: { pool: 'gpu' } });
    const pod = {
      imagePullSecrets: ['mirror-pull'],
      priorityClassName: 'system-node-critical',
      resources: { requests: { cpu: '20m' } },
      podAnnotations: { 'example.com/team': 'platform' },
      nodeSelector: { 'node.example.com/class': 'worker' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
      },
    };
    const { daemonSet } = desiredNodeAgent([a], { ...opts, pod, resolved: { 'team-a/a': { address: 'http://10.0.0.1:5000' } } });
    const spec = daemonSet.spec?.template.spec;
    assert.deepEqual(spec?.imagePullSecrets, [{ name: 'mirror-pull' }]);
    assert.equal(spec?.priorityClassName, 'system-node-critical');
    assert.deepEqual(spec?.containers[0]?.resources, { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    assert.deepEqual(daemonSet.spec?.template.metadata?.annotations, { 'example.com/team': 'platform' });
    assert.deepEqual(spec?.nodeSelector, { 'node.example.com/class': 'worker', 'kubernetes.io/os': 'linux' });
    assert.deepEqual(spec?.tolerations, pod.tolerations);
    // a node must be both one a project selects and one the admin allows
    assert.deepEqual(spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'pool', operator: 'In', values: ['gpu'] }, { key: 'zone', operator: 'In', values: ['z1'] }] },
    ]);
    assert.deepEqual(spec?.affinity?.podAntiAffinity, pod.affinity.podAntiAffinity);
  });

  it('names no priority class and no pull secret by default (GKE refuses system-node-critical outside kube-system)', () => {
    const { daemonSet } = desiredNodeAgent([project('hub')], { ...opts, resolved: { 'team-a/hub': { address: 'http://10.0.0.1:5000' } } });
    const spec = daemonSet.spec?.template.spec;
    assert.equal(spec?.priorityClassName, undefined);
    assert.equal(spec?.imagePullSecrets, undefined);
    assert.deepEqual(spec?.nodeSelector, { 'kubernetes.io/os': 'linux' });
  });
});

describe('the address nodes use', () => {
  const svc = { spec: { clusterIP: '10.96.0.50', ports: [{ port: 5000, nodePort: 30500 }] } };
  const cases: [string, string | undefined, unknown][] = [
    ['ClusterIP by default', undefined, { url: 'http://10.96.0.50:5000' }],
    ['a NodePort on the node\'s loopback', 'nodePort', { url: 'http://127.0.0.1:30500' }],
    ['an explicit URL', 'https://cache.example.com:8443/', { url: 'https://cache.example.com:8443' }],
    ['never a *.svc name', 'http://berth.team-a.svc:5000', { pending: 'InvalidAddress', message: 'nodeMirror.address berth.team-a.svc:5000 is a cluster DNS name node runtimes cannot resolve: use clusterIP' }],
  ];
  for (const [what, address, want] of cases) {
    it(what, () => assert.deepEqual(nodeMirrorAddress(project('hub', address ? { address } : {}), svc), want));
  }
  it('the ingress host, https when the ingress has TLS', () => {
    const p = project('hub', { address: 'ingress' });
    p.spec.ingress = { host: 'cache.example.com', tls: { secretName: 't' } };
    assert.deepEqual(nodeMirrorAddress(p, undefined), { url: 'https://cache.example.com' });
  });
  it('waits for a ClusterIP', () => {
    assert.equal('pending' in nodeMirrorAddress(project('hub'), undefined), true);
  });
});
