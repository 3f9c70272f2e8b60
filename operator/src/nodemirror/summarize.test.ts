import assert from 'node:assert/strict';
import { node, project } from './fixtures.test-helper.ts';
import { parseNodeReport, summarizeNodeMirror, type NodeReport } from './summarize.ts';

function report(name: string, results: { runtime: string; state: string; reason: string }[], projectKey = 'team-a/hub'): NodeReport {
  return {
    node: name,
    time: '2025-01-01T00:00:00Z',
    configHash: 'h1',
    runtimes: [{ name: 'containerd', restartRequired: false }],
    registries: [{ registry: 'docker.io', project: projectKey, results: results.map((r) => ({ ...r, message: '' })) }],
    changed: [],
    restored: [],
    errors: [],
  } as NodeReport;
}
const ok = [{ runtime: 'containerd', state: 'active', reason: 'Configured' }];

describe('summing node reports into a project status', () => {
  it('counts the nodes that pull through the cache', () => {
    const s = summarizeNodeMirror(project('hub'), [report('n1', ok), report('n2', ok)], [node('n1'), node('n2')]);
    assert.deepEqual(s, { configured: 2, total: 2, condition: { type: 'NodeMirrorReady', status: 'True', reason: 'Configured', message: '2/2 nodes pull docker.io through the cache' } });
  });

  it('names the most pressing reason and the nodes it holds back', () => {
    const s = summarizeNodeMirror(
      project('hub'),
      [report('n1', ok), report('n2', [{ runtime: 'containerd', state: 'pending', reason: 'ConfigPathUnset' }]), report('n3', [{ runtime: 'containerd', state: 'pending', reason: 'ContainerdColonPath' }])],
      [node('n1'), node('n2'), node('n3'), node('n4')],
    );
    assert.equal(s.configured, 1);
    assert.equal(s.total, 4);
    assert.equal(s.condition.reason, 'ContainerdColonPath');
    assert.match(s.condition.message, /^1\/4 nodes configured; containerd 2\.1\+ ignores hosts\.toml .* on node n3:/);
  });

  it('counts only the nodes the nodeSelector picks, and waits for reports of the current config', () => {
    const s = summarizeNodeMirror(project('hub', { nodeSelector: { pool: 'a' } }), [report('n1', ok)], [node('n1', { pool: 'a' }), node('n2', { pool: 'b' })], { configHash: 'h2' });
    assert.deepEqual([s.configured, s.total, s.condition.reason], [0, 1, 'Pending']);
  });

  it('puts a containerd version it cannot tell after what is known to be wrong, and names reasons it does not list', () => {
    const unknown = report('n2', [{ runtime: 'containerd', state: 'pending', reason: 'ContainerdVersionUnknown' }]);
    const s = summarizeNodeMirror(project('hub'), [report('n1', [{ runtime: 'containerd', state: 'pending', reason: 'ConfigPathUnset' }]), unknown], [node('n1'), node('n2')]);
    assert.equal(s.condition.reason, 'ConfigPathUnset');
    assert.equal(summarizeNodeMirror(project('hub'), [unknown], [node('n2')]).condition.reason, 'ContainerdVersionUnknown');
    const future = summarizeNodeMirror(project('hub'), [report('n3', [{ runtime: 'containerd', state: 'pending', reason: 'SomethingNew' }])], [node('n3')]);
    assert.deepEqual([future.condition.reason, future.condition.message], ['SomethingNew', '0/1 nodes configured; the node agent reports SomethingNew on node n3; see the report ConfigMaps']);
  });

  it('reports a restart the runtime still needs', () => {
    const s = summarizeNodeMirror(project('hub'), [report('n1', [{ runtime: 'k3s', state: 'pending', reason: 'RestartRequired' }])], [node('n1')]);
    assert.equal(s.condition.reason, 'RestartRequired');
  });

  it('a project that lost the registry to an older one is a Conflict', () => {
    const s = summarizeNodeMirror(project('newer'), [], [node('n1')], { conflictWith: 'team-a/older' });
    assert.deepEqual(s.condition, { type: 'NodeMirrorReady', status: 'False', reason: 'Conflict', message: 'ProxyCacheProject team-a/older is older and already mirrors docker.io on the nodes' });
    assert.equal(summarizeNodeMirror(project('newer'), [report('n1', ok, 'team-a/older')], [node('n1')]).condition.reason, 'Conflict');
  });

  it('says a refused namespace may not mirror, whatever the nodes report', () => {
    const s = summarizeNodeMirror(project('hub'), [report('n1', ok)], [node('n1')], { refused: 'namespace team-a is not allowed' });
    assert.deepEqual([s.configured, s.total, s.condition.status, s.condition.reason, s.condition.message], [0, 0, 'False', 'NamespaceNotAllowed', 'namespace team-a is not allowed']);
  });

  it('reads reports from ConfigMaps, ignoring ones it cannot read', () => {
    assert.equal(parseNodeReport({ data: { 'report.json': '{nope' } }), undefined);
    assert.equal(parseNodeReport({ data: { 'report.json': JSON.stringify(report('n1', ok)) } })?.node, 'n1');
  });
});
