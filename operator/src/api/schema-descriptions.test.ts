// `kubectl explain proxycacheproject.spec` (and every field under it) prints the schema's descriptions: a field
// without one explains nothing. Both CRDs, spec and status, every level.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { undescribed, type JsonSchema } from './schema-walk.ts';

for (const file of ['proxycacheprojects.berth.dev.yaml', 'registryendpoints.berth.dev.yaml']) {
  describe(`crds/${file}: descriptions`, () => {
    const crd = parse(readFileSync(new URL(`../../../crds/${file}`, import.meta.url), 'utf8'));
    const schema = crd.spec.versions[0].schema.openAPIV3Schema as JsonSchema;

    it('describes every field, for kubectl explain', () => {
      assert.deepEqual(undescribed(schema), []);
    });

    it('states each default it applies in the field\'s description', () => {
      const silent: string[] = [];
      const walk = (s: JsonSchema, path: string): void => {
        for (const [key, sub] of Object.entries(s.properties ?? {})) {
          const here = `${path}.${key}`;
          const stated = typeof sub.description === 'string' && /\bdefault/i.test(sub.description);
          // an object defaulted to {} only makes its children's defaults apply; those are stated where they are
          const trivial = typeof sub.default === 'object' && sub.default !== null && Object.keys(sub.default).length === 0;
          if (sub.default !== undefined && !trivial && !stated) silent.push(here);
          walk(sub, here);
        }
        if (s.items) walk(s.items, `${path}[]`);
      };
      walk(schema, '');
      assert.deepEqual(silent, []);
    });
  });
}
