// Rewrites the chart's `artifacthub.io/changes` annotation from CHANGELOG.md's entries for the chart's version:
// `pnpm exec tsx e2e/src/chart/write-changes.ts` (e2e/test/chart.test.ts checks that they agree).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../testbed/repo.ts';
import { changesOf } from './changelog.ts';

const chartFile = join(repoRoot(), 'charts', 'berth', 'Chart.yaml');
const chart = readFileSync(chartFile, 'utf8');
const { version } = parse(chart) as { version: string };
const changes = changesOf(readFileSync(join(repoRoot(), 'CHANGELOG.md'), 'utf8'), version);
const block = stringify(changes, { lineWidth: 0 }).trimEnd().split('\n').map((line) => `    ${line}`).join('\n');
const current = /^ {2}artifacthub\.io\/changes: \|\n(?: {4}.*\n)+/m;
if (!current.test(chart)) throw new Error(`${chartFile} has no "  artifacthub.io/changes: |" block to rewrite`);
writeFileSync(chartFile, chart.replace(current, `  artifacthub.io/changes: |\n${block}\n`));
console.log(`wrote ${changes.length} changes of ${version} into ${chartFile}`);
