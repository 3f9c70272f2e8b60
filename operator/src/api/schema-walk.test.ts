import assert from 'node:assert/strict';
import { disagreements, uncovered, undescribed, type JsonSchema } from './schema-walk.ts';

const schema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    mode: { type: 'string', enum: ['a', 'b'] },
    count: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    size: { 'x-kubernetes-int-or-string': true },
  },
};

describe('schema-walk', () => {
  it('accepts a value that matches', () => {
    assert.deepEqual(disagreements(schema, { name: 'x', mode: 'a', count: 2, tags: ['t'], labels: { k: 'v' }, size: '1Gi' }), []);
  });

  it('names unknown keys, wrong types, enum misses and missing required keys', () => {
    const found = disagreements(schema, { mode: 'c', count: 1.5, extra: true, labels: { k: 1 } });
    assert.deepEqual(found.sort(), [
      '.count: expected integer',
      '.extra: not in the schema',
      '.labels.k: expected string',
      '.mode: "c" not in enum',
      '.name: required by the schema but missing',
    ]);
  });

  it('lists the properties a sample leaves out', () => {
    assert.deepEqual(uncovered(schema, { name: 'x', tags: [] }), ['.mode', '.count', '.tags: empty array', '.labels', '.size']);
  });

  it('lists the properties without a description, in lists and maps too, but not apiVersion, kind or metadata', () => {
    const described: JsonSchema = {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          description: 'Spec.',
          properties: {
            a: { type: 'string', description: 'A.' },
            b: { type: 'string', description: ' ' },
            list: { type: 'array', description: 'L.', items: { type: 'object', properties: { x: { type: 'string' } } } },
            map: { type: 'object', description: 'M.', additionalProperties: { type: 'object', properties: { y: { type: 'integer' } } } },
          },
        },
      },
    };
    assert.deepEqual(undescribed(described), ['.spec.b', '.spec.list[].x', '.spec.map.*.y']);
  });
});
