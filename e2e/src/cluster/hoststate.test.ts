import assert from 'node:assert/strict';
import { iptablesCleanup, ownedMounts, parseMountinfo, splitRule, topmostMissing } from './hoststate.ts';
import { normalizeRef } from './index.ts';

describe('real node host state', () => {
  it('records the topmost missing ancestor of a fixed path', () => {
    const existing = new Set(['/', '/var', '/var/lib']);
    const exists = (p: string): boolean => existing.has(p);
    assert.equal(topmostMissing('/var/lib/kubelet/device-plugins', exists), '/var/lib/kubelet');
    assert.equal(topmostMissing('/var/lib', exists), undefined);
    assert.equal(topmostMissing('/run/containerd/s', exists), '/run');
  });

  it('splits iptables -S rules with quoted comments', () => {
    assert.deepEqual(splitRule('-A INPUT -m comment --comment "kubernetes \\"health\\" check" -j KUBE-FIREWALL'), ['-A', 'INPUT', '-m', 'comment', '--comment', 'kubernetes "health" check', '-j', 'KUBE-FIREWALL']);
  });

  it('removes only new node chains and the rules that jump to them', () => {
    const listing = [
      '-P INPUT ACCEPT',
      '-P OUTPUT ACCEPT',
      '-N KUBE-FIREWALL',
      '-N KUBE-OLD',
      '-N MINE',
      '-A INPUT -j KUBE-FIREWALL',
      '-A INPUT -j KUBE-OLD',
      '-A INPUT -j MINE',
      '-A OUTPUT -m comment --comment "a b" -j KUBE-FIREWALL',
      '-A KUBE-FIREWALL -j DROP',
    ].join('\n');
    assert.deepEqual(iptablesCleanup(listing, ['INPUT', 'OUTPUT', 'KUBE-OLD']), [
      ['-D', 'INPUT', '-j', 'KUBE-FIREWALL'],
      ['-D', 'OUTPUT', '-m', 'comment', '--comment', 'a b', '-j', 'KUBE-FIREWALL'],
      ['-F', 'KUBE-FIREWALL'],
      ['-X', 'KUBE-FIREWALL'],
    ]);
  });

  it('unmounts what the node made, deepest first, and nothing else', () => {
    const record = { node: { dir: '/c/node', containerdSocket: '/c/node/s' }, createdPaths: ['/var/lib/kubelet'], netnsBefore: ['cni-old'] };
    const all = ['/', '/c/node/kubelet', '/c/node/kubelet/pods/x/volumes/tok', '/var/lib/kubelet', '/run/netns/cni-new', '/run/netns/cni-old', '/c/nodeother'];
    assert.deepEqual(ownedMounts(all, record), ['/c/node/kubelet/pods/x/volumes/tok', '/run/netns/cni-new', '/var/lib/kubelet', '/c/node/kubelet']);
  });

  it('decodes mountinfo escapes', () => {
    const line = '36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw';
    assert.deepEqual(parseMountinfo(line), [{ mountPoint: '/mnt/a b', fsType: 'ext3' }]);
  });

  it('names images as the CRI does', () => {
    assert.equal(normalizeRef('demo:v1'), 'docker.io/library/demo:v1');
    assert.equal(normalizeRef('docker.io/library/demo:v1'), 'docker.io/library/demo:v1');
    assert.equal(normalizeRef('127.0.0.1:5000/berth/pause:1'), '127.0.0.1:5000/berth/pause:1');
    assert.equal(normalizeRef('quay.io/x/y'), 'quay.io/x/y:latest');
  });
});
