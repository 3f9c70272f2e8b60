import assert from 'node:assert/strict';
import { components, componentNames, type Ports } from './components.ts';
import type { Binaries } from './layout.ts';
import { clusterLayout } from './layout.ts';

const ports: Ports = { etcdClient: 40001, etcdPeer: 40002, apiserver: 40003, controllerManager: 40004, scheduler: 40005, kwok: 40006 };
const bins: Binaries = { etcd: '/b/etcd', kubeApiserver: '/b/apiserver', kubeControllerManager: '/b/cm', kubeScheduler: '/b/sched', kubectl: '/b/kubectl', kwok: '/b/kwok', kubelet: '/b/kubelet', kubeProxy: '/b/kube-proxy', pause: '/b/pause' };
const all = components(clusterLayout('/state'), bins, ports);
const flagsOf = (name: string): string[] => all.find((c) => c.name === name)!.args;

describe('control plane components', () => {
  it('starts every component once, etcd first and the apiserver second', () => {
    assert.deepEqual(all.map((c) => c.name), [...componentNames]);
  });

  it('binds every listener to loopback', () => {
    for (const c of all) {
      const addresses = c.args.filter((a) => /(bind-address|url|server-address|etcd-servers)=/.test(a));
      assert.ok(addresses.length > 0, `${c.name} names its listen address`);
      for (const a of addresses) assert.match(a, /=(https?:\/\/)?127\.0\.0\.1(:\d+)?$/, `${c.name}: ${a}`);
    }
  });

  it('runs the apiserver with Node and RBAC authorization, service-account tokens and client-certificate auth', () => {
    const f = flagsOf('kube-apiserver');
    assert.ok(f.includes('--authorization-mode=Node,RBAC'));
    assert.ok(f.includes('--enable-admission-plugins=NodeRestriction,PodNodeSelector,PodTolerationRestriction'));
    assert.ok(f.includes('--kubelet-client-certificate=/state/pki/apiserver-kubelet-client.crt'));
    assert.ok(f.includes('--kubelet-client-key=/state/pki/apiserver-kubelet-client.key'));
    assert.ok(f.includes('--service-cluster-ip-range=10.96.0.0/16'));
    assert.ok(f.includes('--service-account-issuer=https://127.0.0.1:40003'));
    assert.ok(f.includes('--service-account-signing-key-file=/state/pki/sa.key'));
    assert.ok(f.includes('--service-account-key-file=/state/pki/sa.pub'));
    assert.ok(f.includes('--client-ca-file=/state/pki/ca.crt'));
    assert.ok(f.includes('--etcd-servers=http://127.0.0.1:40001'));
  });

  it('gives the controller-manager the service-account signing key and the root CA', () => {
    const f = flagsOf('kube-controller-manager');
    assert.ok(f.includes('--service-account-private-key-file=/state/pki/sa.key'));
    assert.ok(f.includes('--root-ca-file=/state/pki/ca.crt'));
    assert.ok(f.includes('--use-service-account-credentials=true'));
    assert.ok(f.includes('--kubeconfig=/state/kubeconfigs/kube-controller-manager.kubeconfig'));
  });

  it('lets kwok manage only the annotated fake nodes', () => {
    const f = flagsOf('kwok');
    assert.ok(f.includes('--manage-all-nodes=false'));
    assert.ok(f.includes('--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake'));
  });

  it('gives each component its own port', () => {
    assert.equal(new Set(all.map((c) => c.port)).size, all.length);
  });
});
