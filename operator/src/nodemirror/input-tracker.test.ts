import assert from 'node:assert/strict';
import { InputTracker } from './input-tracker.ts';
import { endpoint, project } from '../children/fixtures.test-helper.ts';

describe('node mirror input tracker', () => {
  it('tells which project events change what the agent renders', () => {
    const t = new InputTracker();
    const off = project({}, 'off');
    const on = project({ nodeMirror: { enabled: true } }, 'on');
    const cases: [string, () => boolean, boolean][] = [
      ['a project that does not mirror appears', () => t.project(off, 'add'), false],
      ['its status moves', () => t.project({ ...off, status: { registry: 'docker.io' } }, 'update'), false],
      ['it goes', () => t.project(off, 'delete'), false],
      ['a mirroring project appears', () => t.project(on, 'add'), true],
      ['it is delivered again unchanged', () => t.project(on, 'update'), false],
      ['its cache figures move', () => t.project({ ...on, status: { cache: { artifacts: 1, bytes: 1, size: '1', hits: 1, misses: 0, hitPercent: 100, upstreamDeleted: 0 } } }, 'update'), false],
      ['it gets its node address', () => t.project({ ...on, status: { urls: { inCluster: 'x', nodeMirror: 'http://10.0.0.1:5000' } } }, 'update'), true],
      ['it stops mirroring', () => t.project(project({ nodeMirror: { enabled: false } }, 'on'), 'update'), true],
    ];
    for (const [what, event, changed] of cases) assert.equal(event(), changed, what);
  });

  it('tells endpoint spec changes from status writes, and reports a change once', () => {
    const t = new InputTracker();
    assert.equal(t.takeChanged(), true, 'nothing rendered yet');
    assert.equal(t.takeChanged(), false);
    assert.equal(t.endpoint(endpoint(), 'add'), true);
    assert.equal(t.endpoint({ ...endpoint(), status: { lastProbeTime: 'now' } }, 'update'), false);
    assert.equal(t.endpoint(endpoint({ url: 'https://mirror.example.com' }), 'update'), true);
    assert.equal(t.takeChanged(), true);
    t.namespaces();
    assert.equal(t.takeChanged(), true);
    assert.equal(t.endpoint(endpoint(), 'delete'), true);
  });
});
