// Regenerates docs/crd-reference.md from crds/: `pnpm exec tsx e2e/src/docs/write-crd-reference.ts`.
import { writeFileSync } from 'node:fs';
import { readCrds, renderCrdReference } from './crd-reference.ts';
import { crdReferenceFile, crdsDir } from './paths.ts';

writeFileSync(crdReferenceFile(), renderCrdReference(readCrds(crdsDir())));
console.log(`wrote ${crdReferenceFile()}`);
