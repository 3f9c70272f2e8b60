// Regenerates charts/berth/README.md from the chart's values.yaml: `pnpm exec tsx e2e/src/chart/write-readme.ts`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../docs/paths.ts';
import { readReadmeSources, renderChartReadme } from './readme.ts';

const file = join(repoRoot(), 'charts', 'berth', 'README.md');
writeFileSync(file, renderChartReadme(readReadmeSources(repoRoot())));
console.log(`wrote ${file}`);
