import assert from 'node:assert/strict';
import { kindsIn, schemaFile, strict } from './schemas.ts';

describe('kubeconform schemas', () => {
  it('lays files out as kubeconform looks them up ({{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }})', () => {
    assert.equal(schemaFile('/s', 'apps', 'Deployment', 'v1'), '/s/apps/deployment_v1.json');
    assert.equal(schemaFile('/s', '', 'Service', 'v1'), '/s/v1/service_v1.json');
    assert.equal(schemaFile('/s', 'berth.dev', 'ProxyCacheProject', 'v1alpha1'), '/s/berth.dev/proxycacheproject_v1alpha1.json');
  });

  it('closes every object schema that lists properties, but not property names or open maps', () => {
    const out = strict({
      type: 'object',
      properties: { properties: { type: 'object', properties: { a: { type: 'string' } } }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
    }) as Record<string, unknown>;
    assert.equal(out.additionalProperties, false);
    const props = out.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.properties?.additionalProperties, false);
    assert.deepEqual(props.labels?.additionalProperties, { type: 'string' });
  });

  it('leaves x-kubernetes-preserve-unknown-fields objects open', () => {
    const out = strict({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: {} } }) as Record<string, unknown>;
    assert.equal(out.additionalProperties, undefined);
  });

  it('lists each apiVersion and kind once', () => {
    assert.deepEqual(kindsIn([{ apiVersion: 'v1', kind: 'Service' }, { apiVersion: 'apps/v1', kind: 'Deployment' }, { apiVersion: 'v1', kind: 'Service' }, {}]), [
      { group: '', version: 'v1', kind: 'Service' },
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
  });
});
