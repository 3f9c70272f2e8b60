import assert from 'node:assert/strict';
import { combineNodeAffinity, layerResources } from './pod-settings.ts';

describe('pod settings', () => {
  const base = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } };

  it('layers resources: requests key by key, limits replaced, a memory request without a limit drops the base limit', () => {
    assert.deepEqual(layerResources(base, undefined), base);
    assert.deepEqual(layerResources(base, { requests: { cpu: 2 } }), { requests: { cpu: '2', memory: '128Mi' }, limits: { memory: '512Mi' } });
    assert.deepEqual(layerResources(base, { limits: { cpu: '1' } }), { requests: base.requests, limits: { cpu: '1' } });
    assert.deepEqual(layerResources(base, { requests: { memory: '1Gi' } }), { requests: { cpu: '100m', memory: '1Gi' } });
  });

  it('ANDs two required node affinities by their cross product and keeps the configured preferences', () => {
    const term = (key: string, value: string) => ({ matchExpressions: [{ key, operator: 'In', values: [value] }] });
    const computed = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('pool', 'a'), term('pool', 'b')] } };
    const preferred = [{ weight: 1, preference: term('disk', 'ssd') }];
    const configured = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('zone', 'z1')] }, preferredDuringSchedulingIgnoredDuringExecution: preferred };
    const both = combineNodeAffinity(computed, configured);
    assert.deepEqual(both?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.map((t) => t.matchExpressions?.map((e) => `${e.key}=${e.values?.[0]}`).join('&')), ['pool=a&zone=z1', 'pool=b&zone=z1']);
    assert.deepEqual(both?.preferredDuringSchedulingIgnoredDuringExecution, preferred);
    assert.deepEqual(combineNodeAffinity(computed, undefined), computed);
    assert.deepEqual(combineNodeAffinity(undefined, { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term('zone', 'z1')] } })?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [term('zone', 'z1')]);
    assert.equal(combineNodeAffinity(undefined, undefined), undefined);
  });
});
