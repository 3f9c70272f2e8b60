import assert from 'node:assert/strict';
import { normalizeRules, rulesOfKind } from './rbac.ts';

describe('RBAC rule comparison', () => {
  it('sees the same grants in differently grouped rules', () => {
    const a = [{ apiGroups: [''], resources: ['configmaps', 'services'], verbs: ['get', 'list'] }];
    const b = [
      { apiGroups: [''], resources: ['services'], verbs: ['list', 'get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['list'] },
    ];
    assert.deepEqual(normalizeRules(a), normalizeRules(b));
  });

  it('tells a rule limited to resourceNames from a broad one', () => {
    const broad = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['update'] }];
    const narrow = [{ ...broad[0], resourceNames: ['berth-operator'] }];
    assert.notDeepEqual(normalizeRules(broad), normalizeRules(narrow));
  });

  it('collects the rules of one kind from a manifest stream', () => {
    const docs = [
      { kind: 'ClusterRole', rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }] },
      { kind: 'Role', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    ];
    assert.deepEqual(normalizeRules(rulesOfKind(docs, 'ClusterRole')), ['apps deployments get']);
  });
});
