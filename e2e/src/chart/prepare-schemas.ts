// Fills a schema folder for kubeconform: built-in kinds from the cluster's /openapi/v2, Berth's CRDs from crds/,
// and the hand-written third-party kinds.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readCrds } from '../docs/crd-reference.ts';
import { crdsDir } from '../docs/paths.ts';
import { kindsIn, schemaFile, strict, writeBuiltinSchemas, writeCrdSchemas } from './schemas.ts';
import { thirdPartyKinds } from './third-party-schemas.ts';

export function parseManifests(yamlText: string): Record<string, unknown>[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}

/** `openapiV2` is the text of `kubectl get --raw /openapi/v2`. */
export async function prepareSchemas(dir: string, openapiV2: string, manifests: Record<string, unknown>[]): Promise<void> {
  const crds = readCrds(crdsDir());
  await writeCrdSchemas(dir, crds);
  for (const t of thirdPartyKinds) {
    const file = schemaFile(dir, t.group, t.kind, t.version);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, JSON.stringify(strict(t.schema)));
  }
  const own = new Set([...crds.map((c) => c.spec.group), ...thirdPartyKinds.map((t) => t.group)]);
  const builtin = kindsIn(manifests).filter((k) => !own.has(k.group) && k.group !== 'kustomize.config.k8s.io');
  await writeBuiltinSchemas(dir, JSON.parse(openapiV2) as Parameters<typeof writeBuiltinSchemas>[1], builtin);
}
