// The files under examples/, grouped by what the examples test can do with them on a cluster without internet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../testbed/repo.ts';

export interface ExampleFile {
  /** Path relative to the repository root, e.g. examples/caches/quay.yaml. */
  path: string;
  text: string;
}

export function exampleFiles(root: string = repoRoot()): ExampleFile[] {
  const dir = join(root, 'examples');
  const out: ExampleFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.yaml')) out.push({ path: relative(root, full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/** kustomization.yaml files are build instructions for kustomize, not objects for the API server. */
export const isKustomization = (f: ExampleFile): boolean => f.path.endsWith('/kustomization.yaml');

/** Argo CD and Flux objects: their CRDs are not installed on the local control plane. */
export const isGitOps = (f: ExampleFile): boolean => f.path.startsWith('examples/gitops/');

/** cert-manager objects (examples/https/certificate.yaml): cert-manager is not installed on the local control plane. */
export const isCertManager = (f: ExampleFile): boolean => /^apiVersion: cert-manager\.io\//m.test(f.text);

/** Files whose kinds the local control plane does not know: checked by kubeconform against hand-written schemas. */
export const isThirdParty = (f: ExampleFile): boolean => isGitOps(f) || isCertManager(f);
