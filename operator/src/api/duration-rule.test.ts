// The CRD's duration fields and the proxy config take one grammar (@berth/contracts/duration): a value the API
// server admits must be one the proxy starts with, and the reverse. Each CEL rule of a duration field must be
// `self.matches(DURATION_PATTERN)`, and the pattern (read back out of the CRD, as the API server's RE2 would run it)
// must answer every sample as parseDuration does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DURATION_PATTERN, parseDuration } from '@berth/contracts/duration';
import type { JsonSchema } from './schema-walk.ts';

const DURATION_FIELDS = ['spec.cache.tagTTL', 'spec.cache.retention.unusedFor'];

const SAMPLES = [
  '30s', '5m', '168h', '30d', '1h30m', '1.5h', '0.5s', '250ms', '1m5ms', '0',
  '', '5', '5x', 'm5', '-5s', '.5h', '1.h', '5S', '00', ' 5s', '5s ', '1h 30m', '5 m', '1e3s', '5µs',
];

function schemaAt(root: JsonSchema, path: string): JsonSchema {
  return path.split('.').reduce((s, key) => {
    const next = s.properties?.[key];
    assert.ok(next, `the CRD has ${path}`);
    return next;
  }, root);
}

describe('CRD duration rules and the duration grammar', () => {
  const crd = parse(readFileSync(new URL('../../../crds/proxycacheprojects.berth.dev.yaml', import.meta.url), 'utf8'));
  const root = crd.spec.versions[0].schema.openAPIV3Schema as JsonSchema;

  for (const field of DURATION_FIELDS) {
    describe(field, () => {
      const validations = (schemaAt(root, field)['x-kubernetes-validations'] ?? []) as { rule: string }[];
      const rules = validations.map((v) => v.rule);
      const matches = rules.map((r) => /^self\.matches\('(.*)'\)$/.exec(r)?.[1]).filter((p) => p !== undefined);

      it('is checked by self.matches(DURATION_PATTERN)', () => {
        assert.deepEqual(matches, [DURATION_PATTERN], `rules: ${JSON.stringify(rules)}`);
      });

      it('admits exactly the samples parseDuration reads', () => {
        const crdPattern = new RegExp(matches[0] ?? '(?!)');
        const disagree = SAMPLES.filter((s) => crdPattern.test(s) !== (parseDuration(s) !== undefined));
        assert.deepEqual(disagree, []);
        assert.ok(crdPattern.test('1.5h') && !crdPattern.test('5x'), 'the samples hold both kinds');
      });
    });
  }
});
