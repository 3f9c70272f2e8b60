// Walks a CRD's OpenAPI schema beside a sample object, to prove the TypeScript types and the schema agree.
// Used by schema-agreement.test.ts; kept apart so the walk itself is tested on small schemas.
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  required?: string[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [key: string]: unknown;
}

/** Lists every disagreement between `schema` and `value`: unknown keys, wrong types, values outside an enum. */
export function disagreements(schema: JsonSchema, value: unknown, path = ''): string[] {
  const here = path || '<root>';
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'number' || typeof value === 'string' ? [] : [`${here}: expected int-or-string`];
  }
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${here}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${here}: expected object`];
      if (schema['x-kubernetes-preserve-unknown-fields'] || (!schema.properties && !schema.additionalProperties)) return problems;
      for (const [key, child] of Object.entries(value)) {
        const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (!sub) problems.push(`${path}.${key}: not in the schema`);
        else problems.push(...disagreements(sub, child, `${path}.${key}`));
      }
      for (const key of schema.required ?? []) {
        if (!(key in value)) problems.push(`${path}.${key}: required by the schema but missing`);
      }
      return problems;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${here}: expected array`];
      return value.flatMap((item, i) => (schema.items ? disagreements(schema.items, item, `${path}[${i}]`) : []));
    case 'string':
      return typeof value === 'string' ? problems : [`${here}: expected string`];
    case 'integer':
      return Number.isInteger(value) ? problems : [`${here}: expected integer`];
    case 'boolean':
      return typeof value === 'boolean' ? problems : [`${here}: expected boolean`];
    default:
      return problems;
  }
}

/** Lists schema properties that `value` leaves out: a complete sample must set every field the schema declares. */
export function uncovered(schema: JsonSchema, value: unknown, path = ''): string[] {
  if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    return value.length ? uncovered(schema.items, value[0], `${path}[0]`) : [`${path}: empty array`];
  }
  if (schema.type !== 'object' || !schema.properties || typeof value !== 'object' || value === null) return [];
  return Object.entries(schema.properties).flatMap(([key, sub]) =>
    key in value ? uncovered(sub, (value as Record<string, unknown>)[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

/** Lists properties without a description (what `kubectl explain` would print nothing for), spec and status down;
 *  apiVersion, kind and metadata are the apiserver's own and are skipped at the root. */
export function undescribed(schema: JsonSchema, path = ''): string[] {
  const found: string[] = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (path === '' && ['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    const here = `${path}.${key}`;
    if (typeof sub.description !== 'string' || sub.description.trim() === '') found.push(here);
    found.push(...undescribed(sub, here));
  }
  if (schema.items) found.push(...undescribed(schema.items, `${path}[]`));
  if (typeof schema.additionalProperties === 'object') found.push(...undescribed(schema.additionalProperties, `${path}.*`));
  return found;
}
