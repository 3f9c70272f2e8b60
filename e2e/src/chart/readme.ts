// Renders charts/berth/README.md from the chart itself: Chart.yaml for the title and requirements, values.yaml's
// comments for the table of values (the comment block right above a key describes it), and docs/operations.md's
// Upgrade commands (which e2e/test/docs-commands.test.ts runs) for the CRD upgrade path. values.yaml is the one
// source: `pnpm exec tsx e2e/src/chart/write-readme.ts` regenerates the page, readme.test.ts fails when it is stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parse, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { section, shellBlocks } from '../docs/commands.ts';

export interface ValueRow {
  key: string;
  default: string;
  description: string;
}

export interface ValuesSection {
  key: string;
  description: string;
  rows: ValueRow[];
}

/** The values of a values.yaml, by top-level key, each with the comment above it. */
export function valuesSections(text: string): ValuesSection[] {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`values.yaml does not parse: ${doc.errors[0]?.message}`);
  const root = doc.contents;
  if (!isMap(root)) throw new Error('values.yaml must be a map');
  return (root.items as Pair<Node, Node>[]).map((pair, i) => {
    const key = keyOf(pair);
    const rows: ValueRow[] = [];
    collect(pair, key, i === 0, rows);
    return { key, description: describe(pair, i === 0), rows };
  });
}

function keyOf(pair: Pair<Node, Node>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

type Commented = Node & { commentBefore?: string | null };

/** The comment block right above a key, its lines joined. The yaml parser puts the comment above a map's first key
 *  on the map itself (`inherited`), and the file's opening comment on its first key, separated by a blank line:
 *  that paragraph is left out. */
function describe(pair: Pair<Node, Node>, first: boolean, inherited = ''): string {
  const comment = (pair.key as Commented).commentBefore ?? inherited;
  const paragraphs = comment.split(/\n\s*\n/);
  const own = first ? (paragraphs.length > 1 ? paragraphs.at(-1) ?? '' : '') : paragraphs.join('\n');
  return own.split('\n').map((l) => l.trim()).join(' ').trim();
}

/** Rows for the leaves under a key: a scalar, a flow collection ({}, [], { a: 1 }) or a list is one row; a block
 *  map is walked into, its own comment (if any) becoming a row of its own, unless none of its keys has a comment:
 *  then its comment describes it whole, one row (podSecurityContext). */
function collect(pair: Pair<Node, Node>, path: string, first: boolean, rows: ValueRow[], inherited = ''): void {
  const value = pair.value;
  const description = describe(pair, first, inherited);
  if (isMap(value) && !value.flow && value.items.length > 0) {
    const children: ValueRow[] = [];
    ((value as YAMLMap<Node, Node>).items as Pair<Node, Node>[])
      .forEach((child, i) => collect(child, `${path}.${keyOf(child)}`, false, children, i === 0 ? ((value as Commented).commentBefore ?? '') : ''));
    const nested = path.includes('.');
    if (nested && description && children.every((c) => !c.description)) return void rows.push({ key: path, default: shown(value), description });
    if (nested && description) rows.push({ key: path, default: '', description });
    rows.push(...children);
    return;
  }
  rows.push({ key: path, default: shown(value), description });
}

function shown(value: Node | null): string {
  return `\`${JSON.stringify(value === null ? null : value.toJSON())}\``;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

interface ChartYaml {
  name: string;
  description: string;
  version: string;
  appVersion: string;
  kubeVersion?: string;
}

export interface ReadmeSources {
  chartYaml: string;
  valuesYaml: string;
  operationsMd: string;
}

export function readReadmeSources(root: string): ReadmeSources {
  return {
    chartYaml: readFileSync(join(root, 'charts', 'berth', 'Chart.yaml'), 'utf8'),
    valuesYaml: readFileSync(join(root, 'charts', 'berth', 'values.yaml'), 'utf8'),
    operationsMd: readFileSync(join(root, 'docs', 'operations.md'), 'utf8'),
  };
}

export function renderChartReadme(sources: ReadmeSources): string {
  const chart = parse(sources.chartYaml) as ChartYaml;
  const upgrade = shellBlocks(section(sources.operationsMd, '## Upgrade'));
  if (upgrade.length === 0) throw new Error('docs/operations.md "## Upgrade" gives no ```sh block');
  const out = [
    `# ${chart.name}`,
    '',
    '<!-- GENERATED from Chart.yaml, values.yaml and docs/operations.md by e2e/src/chart/write-readme.ts; do not edit by hand. -->',
    '',
    chart.description.trim(),
    '',
    `Chart version ${chart.version}, Berth ${chart.appVersion}. Kubernetes ${chart.kubeVersion ?? 'any version'}.`,
    '',
    '## Install',
    '',
    'The chart lives in the repository (charts/berth). From a checkout:',
    '',
    '```sh',
    `helm upgrade --install berth charts/berth --namespace berth-system --create-namespace --wait`,
    '```',
    '',
    'Then create a cache: `kubectl apply -k examples/caches` (Docker Hub, Quay, GHCR, registry.k8s.io, gcr.io).',
    'docs/operations.md is the whole guide: node mirroring, HTTPS, NetworkPolicy, pod image rewriting, sizing.',
    '',
    '## Upgrade, CRDs first',
    '',
    'Helm installs `crds/` on the first install only and never upgrades them. Apply the new CRDs server-side, then',
    'upgrade the release (the same commands as docs/operations.md, "Upgrade", where a test runs them):',
    '',
    '```sh',
    ...upgrade,
    '```',
    '',
    '## As a subchart',
    '',
    'The schema allows `global`: a parent chart\'s `global.imageRegistry` and `global.imagePullSecrets` apply to every',
    'Berth image and pod, and its other `global` keys are ignored.',
    '',
    '## Values',
    '',
  ];
  const sections = valuesSections(sources.valuesYaml);
  const table = (rows: ValueRow[]) => ['| Key | Default | Description |', '| --- | --- | --- |', ...rows.map((r) => `| \`${r.key}\` | ${cell(r.default)} | ${cell(r.description)} |`), ''];
  // top-level scalars (nameOverride, …) in one table; each top-level map in a section of its own
  const loose = sections.filter((s) => s.rows.length === 1 && s.rows[0]?.key === s.key);
  if (loose.length) out.push(...table(loose.flatMap((s) => s.rows)));
  for (const s of sections.filter((x) => !loose.includes(x))) {
    out.push(`### \`${s.key}\``, '');
    if (s.description) out.push(s.description, '');
    out.push(...table(s.rows));
  }
  return out.join('\n');
}
