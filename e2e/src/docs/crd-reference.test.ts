import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCrds, renderCrdReference } from './crd-reference.ts';
import { crdReferenceFile, crdsDir } from './paths.ts';

describe('docs/crd-reference.md', () => {
  it('is what crds/ generates (run `pnpm exec tsx e2e/src/docs/write-crd-reference.ts` after a schema change)', () => {
    assert.equal(readFileSync(crdReferenceFile(), 'utf8'), renderCrdReference(readCrds(crdsDir())));
  });

  it('lists every field with its type, required mark, default and rules', () => {
    const md = renderCrdReference([
      {
        spec: {
          group: 'g.dev',
          scope: 'Namespaced',
          names: { kind: 'Thing', plural: 'things', shortNames: ['th'] },
          versions: [
            {
              name: 'v1',
              schema: {
                openAPIV3Schema: {
                  properties: {
                    spec: {
                      required: ['size'],
                      properties: {
                        size: { type: 'string', default: '1Gi', description: 'How | big.', 'x-kubernetes-validations': [{ rule: 'r', message: 'size must be a quantity' }] },
                        mode: { type: 'string', enum: ['a', 'b'] },
                        list: { type: 'array', items: { type: 'object', properties: { x: { type: 'integer', format: 'int32', minimum: 1 } } } },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    ]);
    assert.match(md, /## Thing \(`g\.dev\/v1`\)/);
    assert.match(md, /\| `size` \*required\* \| string \| How \\\| big\. Default: `"1Gi"`\. \| "size must be a quantity" \|/);
    assert.ok(md.includes('| `mode` | string |  | one of `a`, `b` |'));
    assert.ok(md.includes('| `list[].x` | integer (int32) |  | ≥ 1 |'));
  });
});
