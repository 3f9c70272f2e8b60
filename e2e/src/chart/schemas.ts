// JSON schemas for kubeconform, which has no network on the test machines: the built-in kinds from the API
// server's own /openapi/v2 document, the Berth kinds from crds/, and hand-written ones for the few third-party
// kinds Berth's manifests use (Prometheus Operator, Argo CD, Flux) covering only the fields we write.
// Files are laid out for `-schema-location DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`.
// Every object schema that lists properties gets additionalProperties: false (what openapi2jsonschema --strict
// does), so a misspelt field fails validation instead of passing silently.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type JsonSchema = { [key: string]: unknown };

export const SCHEMA_LOCATION_TEMPLATE = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

/** kubeconform's {{ .Group }} is the part of apiVersion before the slash, so the core group's is the version ("v1"). */
export function schemaFile(dir: string, group: string, kind: string, version: string): string {
  return join(dir, group === '' ? version : group, `${kind.toLowerCase()}_${version}.json`);
}

/** Deep copy with additionalProperties: false on every object schema that lists properties and says nothing else. */
export function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // keys inside `properties` and `definitions` are names, not schema keywords: recurse into their values only
    out[key] = key === 'properties' || key === 'definitions' ? mapValues(value as JsonSchema, strict) : strict(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(obj: JsonSchema, f: (v: unknown) => unknown): JsonSchema {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}

interface OpenApiV2 {
  definitions: Record<string, JsonSchema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
}

/**
 * Writes one standalone schema per built-in kind the manifests use, from the apiserver's /openapi/v2 JSON.
 * Each file carries every definition (refs stay `#/definitions/...`); int-or-string and quantities become
 * "string or integer" as in the published kubernetes-json-schema.
 */
export async function writeBuiltinSchemas(dir: string, openapi: OpenApiV2, kinds: { group: string; version: string; kind: string }[]): Promise<string[]> {
  const definitions = strict(openapi.definitions) as Record<string, JsonSchema>;
  for (const name of ['io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'io.k8s.apimachinery.pkg.api.resource.Quantity']) {
    if (definitions[name]) definitions[name] = { description: definitions[name].description, oneOf: [{ type: 'string' }, { type: 'integer' }] };
  }
  const written: string[] = [];
  for (const want of kinds) {
    const entry = Object.entries(openapi.definitions).find(([, def]) =>
      (def['x-kubernetes-group-version-kind'] ?? []).some((g) => g.group === want.group && g.version === want.version && g.kind === want.kind),
    );
    if (!entry) throw new Error(`the apiserver's /openapi/v2 has no ${want.group}/${want.version} ${want.kind}`);
    const file = schemaFile(dir, want.group, want.kind, want.version);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, JSON.stringify({ ...(definitions[entry[0]] as JsonSchema), definitions }));
    written.push(file);
  }
  return written;
}

interface CrdDoc {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
}

/** Writes a strict schema per served version of each CRD (the openAPIV3Schema is already standalone). */
export async function writeCrdSchemas(dir: string, crds: CrdDoc[]): Promise<string[]> {
  const written: string[] = [];
  for (const crd of crds) {
    for (const version of crd.spec.versions) {
      const file = schemaFile(dir, crd.spec.group, crd.spec.names.kind, version.name);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, JSON.stringify(strict(version.schema.openAPIV3Schema)));
      written.push(file);
    }
  }
  return written;
}

/** The kinds in a multi-document YAML stream of manifests (apiVersion group/version + kind). */
export function kindsIn(docs: { apiVersion?: string; kind?: string }[]): { group: string; version: string; kind: string }[] {
  const seen = new Map<string, { group: string; version: string; kind: string }>();
  for (const doc of docs) {
    if (!doc.apiVersion || !doc.kind) continue;
    const [group, version] = doc.apiVersion.includes('/') ? (doc.apiVersion.split('/') as [string, string]) : ['', doc.apiVersion];
    seen.set(`${doc.apiVersion} ${doc.kind}`, { group, version, kind: doc.kind });
  }
  return [...seen.values()];
}
