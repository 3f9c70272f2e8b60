import assert from 'node:assert/strict';
import { formatStatus } from './status.ts';

describe('cluster status text', () => {
  it('says down when nothing is recorded or running', () => {
    const text = formatStatus({ recorded: false, kubeconfig: '/k', ready: false, components: [{ name: 'etcd', running: false }], nodes: [] });
    assert.equal(text, 'local control plane: down');
  });

  it('lists components with pid and port, and nodes with readiness', () => {
    const text = formatStatus({
      recorded: true,
      server: 'https://127.0.0.1:3',
      kubeconfig: '/k',
      ready: true,
      components: [{ name: 'kube-apiserver', pid: 9, port: 3, running: true }],
      nodes: [{ name: 'berth-worker-1', ready: true, real: false }, { name: '127.0.0.1', ready: true, real: true }],
      registry: '127.0.0.1:5000',
    });
    assert.match(text, /^local control plane: up {2}https:\/\/127\.0\.0\.1:3$/m);
    assert.match(text, /kube-apiserver +running +pid 9 +port 127\.0\.0\.1:3/);
    assert.match(text, /berth-worker-1 +Ready +kwok/);
    assert.match(text, /127\.0\.0\.1 +Ready +real \(kubelet, containerd\)$/m);
    assert.match(formatStatus({ recorded: true, kubeconfig: '/k', ready: true, components: [], nodes: [{ name: '127.0.0.1', ready: true, real: true }], containerd: 'v2.1.9' }), /real \(kubelet, containerd v2\.1\.9\)/);
    assert.match(text, /cluster registry: 127\.0\.0\.1:5000/);
  });
});
