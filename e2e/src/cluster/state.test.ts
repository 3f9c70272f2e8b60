import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterLayout } from './layout.ts';
import { forgetProcesses, readState, recordedProcesses, recordPid, writeState, type ClusterState } from './state.ts';

describe('cluster state', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-state-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const state: ClusterState = {
    ports: { etcdClient: 1, etcdPeer: 2, apiserver: 3, controllerManager: 4, scheduler: 5, kwok: 6 },
    processes: { etcd: { pid: 11, command: '/bin/etcd dir/x', args: ['--a'], port: 1 } },
    nodes: ['n1'],
    startedAt: '2026-01-01T00:00:00.000Z',
  };

  it('round-trips state.json and writes a pid file per process', async () => {
    const layout = clusterLayout(root);
    await writeState(layout, state);
    assert.deepEqual(readState(layout), state);
    assert.deepEqual([...(await recordedProcesses(layout))], [['etcd', { pid: 11, command: '/bin/etcd dir/x' }]]);
  });

  it('finds processes from pid files alone, as after an interrupted up', async () => {
    const layout = clusterLayout(root);
    await recordPid(layout, 'kube-apiserver', 42, '/b/kube-apiserver');
    assert.equal(readState(layout), undefined);
    assert.deepEqual((await recordedProcesses(layout)).get('kube-apiserver'), { pid: 42, command: '/b/kube-apiserver' });
    await forgetProcesses(layout);
    assert.equal((await recordedProcesses(layout)).size, 0);
  });
});
