// Where the generated docs and their sources live, found from this package's folder (src/ or dist/).
import { join } from 'node:path';
import { e2ePackageDir } from '../cluster/layout.ts';

export const repoRoot = (): string => join(e2ePackageDir(), '..');
export const crdsDir = (): string => join(repoRoot(), 'crds');
export const crdReferenceFile = (): string => join(repoRoot(), 'docs', 'crd-reference.md');
