import assert from 'node:assert/strict';
import { projectKey } from './conflicts.ts';
import { project } from './fixtures.test-helper.ts';
import { nodeMirrorRefusal, partitionByPolicy, type NodeMirrorPolicy } from './tenancy.ts';

const none: NodeMirrorPolicy = { labelled: new Set(), listed: new Set() };

describe('who may mirror onto nodes', () => {
  const cases: [string, NodeMirrorPolicy, boolean][] = [
    ['nobody by default', none, false],
    ['a namespace labelled berth.dev/node-mirror=allowed', { labelled: new Set(['team-a']), listed: new Set() }, true],
    ['a namespace the operator was started with (--node-mirror-namespace)', { labelled: new Set(), listed: new Set(['team-a']) }, true],
    ['not another namespace\'s label', { labelled: new Set(['team-b']), listed: new Set(['team-c']) }, false],
  ];
  for (const [what, policy, allowed] of cases) {
    it(what, () => assert.equal(nodeMirrorRefusal(project('hub'), policy) === undefined, allowed));
  }

  it('names the one-line fix in the refusal', () => {
    const message = nodeMirrorRefusal(project('hub'), none) ?? '';
    assert.match(message, /^namespace team-a is not allowed to mirror registries onto nodes/);
    assert.ok(message.includes('`kubectl label namespace team-a berth.dev/node-mirror=allowed`'), message);
    assert.ok(message.includes('nodeMirror.allowedNamespaces'), message);
  });

  it('refuses only projects that ask for node mirroring', () => {
    const on = project('hub', { namespace: 'tenant' });
    const off = project('quay', { namespace: 'tenant', enabled: false });
    const ok = project('ghcr', { registry: 'ghcr.io' });
    const { allowed, refused } = partitionByPolicy([on, off, ok], { labelled: new Set(['team-a']), listed: new Set() }, projectKey);
    assert.deepEqual(allowed.map(projectKey), ['tenant/quay', 'team-a/ghcr']);
    assert.deepEqual([...refused.keys()], ['tenant/hub']);
  });
});
