import assert from 'node:assert/strict';
import { CLEANUP_GRACE_MS, nodeMirrorCleanup } from './cleanup.ts';
import { node, project } from './fixtures.test-helper.ts';
import type { NodeReport } from './summarize.ts';

function report(name: string, projects: string[]): NodeReport {
  return {
    node: name,
    time: '2025-01-01T00:00:00Z',
    configHash: 'h',
    runtimes: [],
    registries: projects.map((p) => ({ registry: 'docker.io', project: p, results: [] })),
    changed: [],
    restored: [],
    errors: [],
  };
}

describe('node mirror cleanup before the finalizer is released', () => {
  const deleted = () => {
    const p = project('hub');
    p.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
    return p;
  };
  const at = (ms: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + ms);

  it('waits for the nodes whose last report still carries the project', () => {
    const state = nodeMirrorCleanup(deleted(), [report('n2', ['team-a/hub']), report('n1', ['team-a/hub']), report('n3', [])], [node('n1'), node('n2'), node('n3')], at(1000));
    assert.deepEqual(state, {
      done: false,
      waitingFor: ['n1', 'n2'],
      message: 'waiting for the node agents on n1, n2 to restore the runtime config before releasing the finalizer',
    });
  });

  it('is done when no node reports the project, or only nodes that are gone do', () => {
    assert.deepEqual(nodeMirrorCleanup(deleted(), [report('n1', ['team-a/other'])], [node('n1')], at(0)), { done: true });
    assert.deepEqual(nodeMirrorCleanup(deleted(), [report('gone', ['team-a/hub'])], [node('n1')], at(0)), { done: true });
  });

  it('gives up on silent nodes after the grace period, and names them', () => {
    assert.deepEqual(nodeMirrorCleanup(deleted(), [report('n1', ['team-a/hub'])], [node('n1')], at(CLEANUP_GRACE_MS)), { done: true, abandoned: ['n1'] });
  });
});
