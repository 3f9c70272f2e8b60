import assert from 'node:assert/strict';
import { join } from 'node:path';
import { binaries, clusterLayout, e2ePackageDir, parseVersionsEnv } from './layout.ts';

describe('cluster layout', () => {
  it('reads the toolchain pins, ignoring comments and blank lines', () => {
    const pins = parseVersionsEnv('# pins\nK8S_VERSION=v1.34.4\n\nETCD_VERSION="v3.6.16"\n  KWOK_VERSION = v0.7.0\n');
    assert.deepEqual(pins, { K8S_VERSION: 'v1.34.4', ETCD_VERSION: 'v3.6.16', KWOK_VERSION: 'v0.7.0' });
  });

  it('finds binaries in the version-keyed cache that build.sh fills', () => {
    const bins = binaries({ K8S_VERSION: 'v1.34.4', ETCD_VERSION: 'v3.6.16', KWOK_VERSION: 'v0.7.0' }, '/c');
    assert.equal(bins.kubeApiserver, '/c/bin/kubernetes-v1.34.4/kube-apiserver');
    assert.equal(bins.kubectl, '/c/bin/kubernetes-v1.34.4/kubectl');
    assert.equal(bins.etcd, '/c/bin/etcd-v3.6.16/berth-etcd');
    assert.equal(bins.kwok, '/c/bin/kwok-v0.7.0/kwok');
  });

  it('names the missing pin', () => {
    assert.throws(() => binaries({ K8S_VERSION: 'v1.34.4' }, '/c'), /ETCD_VERSION/);
  });

  it('keeps state in e2e/.cluster by default', () => {
    const layout = clusterLayout(join(e2ePackageDir(), '.cluster'));
    assert.match(layout.kubeconfig, /e2e\/\.cluster\/kubeconfig$/);
    assert.equal(join(e2ePackageDir(), 'package.json').endsWith('e2e/package.json'), true);
  });
});
