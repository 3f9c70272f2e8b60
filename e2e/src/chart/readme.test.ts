import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../docs/paths.ts';
import { readReadmeSources, renderChartReadme, valuesSections } from './readme.ts';

describe('charts/berth/README.md', () => {
  it('is what the chart generates (run `pnpm exec tsx e2e/src/chart/write-readme.ts` after changing values.yaml)', () => {
    assert.equal(readFileSync(join(repoRoot(), 'charts', 'berth', 'README.md'), 'utf8'), renderChartReadme(readReadmeSources(repoRoot())));
  });

  it('describes every value: each key of values.yaml has a comment above it (or its map has)', () => {
    const rows = valuesSections(readReadmeSources(repoRoot()).valuesYaml).flatMap((s) => s.rows);
    assert.ok(rows.length > 50, `only ${rows.length} values`);
    assert.deepEqual(rows.filter((r) => !r.description).map((r) => r.key), []);
  });

  it('reads the comment above each key, the first key of a map and a map described whole', () => {
    const sections = valuesSections(`# The file's own comment.

# A section.
top:
  # The first key's comment sits on the map.
  first: 1
  # Two lines
  # of comment.
  list: [a, b]
  # Described whole: none of its keys has a comment.
  whole:
    x: true
  bare: ""
loose: 2
`);
    assert.deepEqual(sections.map((s) => [s.key, s.description]), [['top', 'A section.'], ['loose', '']]);
    assert.deepEqual(sections[0]?.rows, [
      { key: 'top.first', default: '`1`', description: "The first key's comment sits on the map." },
      { key: 'top.list', default: '`["a","b"]`', description: 'Two lines of comment.' },
      { key: 'top.whole', default: '`{"x":true}`', description: 'Described whole: none of its keys has a comment.' },
      { key: 'top.bare', default: '`""`', description: '' },
    ]);
  });
});
