// Renders docs/crd-reference.md from the CRDs in crds/: the schema is the one source of truth, the page is
// generated (`pnpm exec tsx e2e/src/docs/write-crd-reference.ts`) and crd-reference.test.ts fails when it is stale.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string }[];
  'x-kubernetes-int-or-string'?: boolean;
}

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

export function readCrds(dir: string): Crd[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Crd);
}

export function renderCrdReference(crds: Crd[]): string {
  const out = [
    '# CRD reference',
    '',
    '<!-- GENERATED from crds/*.yaml by e2e/src/docs/write-crd-reference.ts; do not edit by hand. -->',
    '',
    'Both kinds are namespaced, in the API group `berth.dev`, and listed by `kubectl get berth`.',
    'Fields marked *required* must be set; defaults are filled in by the API server. The "rules" column lists what',
    'the API server checks on apply (enums, patterns, limits and CEL rules with the message you get).',
    '',
  ];
  for (const crd of crds) {
    const { names, group, scope } = crd.spec;
    for (const version of crd.spec.versions) {
      out.push(`## ${names.kind} (\`${group}/${version.name}\`)`, '');
      const root = version.schema.openAPIV3Schema;
      if (root.description) out.push(oneLine(root.description), '');
      out.push(`- plural \`${names.plural}\`; short names ${(names.shortNames ?? []).map((s) => `\`${s}\``).join(', ') || '—'}; categories ${(names.categories ?? []).map((s) => `\`${s}\``).join(', ') || '—'}; scope ${scope}`);
      if (version.additionalPrinterColumns?.length) {
        out.push(`- \`kubectl get\` columns: ${version.additionalPrinterColumns.map((c) => `${c.name.toUpperCase()} (\`${c.jsonPath}\`)`).join(', ')}`);
      }
      out.push('');
      for (const part of ['spec', 'status'] as const) {
        const schema = root.properties?.[part];
        if (!schema) continue;
        out.push(`### ${names.kind}.${part}`, '');
        const ruleRows = rulesOf(schema);
        if (ruleRows.length) out.push(`Rules on \`${part}\`: ${ruleRows}`, '');
        out.push('| field | type | description | rules |', '| --- | --- | --- | --- |');
        for (const row of fields(schema, '')) out.push(row);
        out.push('');
      }
    }
  }
  return out.join('\n');
}

function* fields(schema: Schema, prefix: string): Generator<string> {
  const required = new Set(schema.required ?? []);
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const req = required.has(name) ? ' *required*' : '';
    const def = child.default !== undefined ? ` Default: \`${JSON.stringify(child.default)}\`.` : '';
    yield `| \`${path}\`${req} | ${typeOf(child)} | ${escape(oneLine(child.description ?? ''))}${def} | ${rulesOf(child)} |`;
    if (child.properties) yield* fields(child, `${path}.`);
    if (child.items?.properties) yield* fields(child.items, `${path}[].`);
  }
}

function typeOf(s: Schema): string {
  if (s['x-kubernetes-int-or-string']) return 'int or string';
  if (s.type === 'array') return `[]${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map[string]${typeOf(s.additionalProperties)}`;
  }
  return s.format ? `${s.type ?? 'any'} (${s.format})` : (s.type ?? 'any');
}

function rulesOf(s: Schema): string {
  const rules: string[] = [];
  const items = s.type === 'array' ? s.items : undefined;
  const e = s.enum ?? items?.enum;
  if (e) rules.push(`one of ${e.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.pattern) rules.push(`pattern \`${s.pattern}\``);
  if (s.minimum !== undefined) rules.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) rules.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) rules.push(`≤ ${s.maxLength} characters`);
  if (s.maxItems !== undefined) rules.push(`≤ ${s.maxItems} items`);
  for (const v of [...(s['x-kubernetes-validations'] ?? []), ...(items?.['x-kubernetes-validations'] ?? [])]) {
    rules.push(v.message ? `"${v.message}"` : `\`${v.messageExpression ?? v.rule}\``);
  }
  return escape(rules.join('; '));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}
