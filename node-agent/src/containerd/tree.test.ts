import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { at, deepMerge, isTable, keysAt, Leaf, leafAt, sources, toTree } from './tree.ts';

const tree = (text: string, from: string) => toTree(parse(text) as Record<string, unknown>, from);

describe('containerd config trees', () => {
  it('toTree makes tables of tables and leaves of everything else: arrays, arrays of tables, dates', () => {
    const t = tree('list = [1, 2]\ntables = [{ a = 1 }]\nwhen = 1979-05-27\n[x.y]\nz = "v"\n', '/a.toml');
    assert.ok(isTable(t.x) && isTable(at(t, 'x', 'y')));
    for (const key of ['list', 'tables', 'when']) assert.ok(t[key] instanceof Leaf, key);
    assert.deepEqual(leafAt(t, 'list')?.value, [1, 2]);
    assert.deepEqual([leafAt(t, 'x', 'y', 'z')?.value, leafAt(t, 'x', 'y', 'z')?.from], ['v', '/a.toml']);
  });

  it('deepMerge merges tables key by key; anything else replaces, arrays and empty values too', () => {
    const merged = deepMerge(
      tree('keep = 1\nlist = [1, 2]\n[r]\nconfig_path = "/a"\nmirrors = "x"\n', '/a.toml'),
      tree('list = [3]\n[r]\nconfig_path = ""\n', '/b.toml'),
    );
    assert.deepEqual(leafAt(merged, 'list')?.value, [3]);
    assert.deepEqual([leafAt(merged, 'r', 'config_path')?.value, leafAt(merged, 'r', 'config_path')?.from], ['', '/b.toml']);
    assert.equal(leafAt(merged, 'r', 'mirrors')?.from, '/a.toml');
    assert.equal(leafAt(merged, 'keep')?.value, 1);
  });

  it('deepMerge: a value replaces a table, and a table a value', () => {
    assert.equal(leafAt(deepMerge(tree('[r]\na = 1\n', '/a'), tree('r = 2\n', '/b')), 'r')?.value, 2);
    assert.deepEqual(keysAt(deepMerge(tree('r = 2\n', '/a'), tree('[r]\na = 1\n', '/b')), 'r'), ['a']);
  });

  it('deepMerge leaves its inputs as they were', () => {
    const to = tree('[r]\na = 1\n', '/a');
    deepMerge(to, tree('[r]\nb = 2\n', '/b'));
    assert.deepEqual(keysAt(to, 'r'), ['a']);
  });

  it('at, leafAt and keysAt answer undefined or [] for a path through a leaf or past the end', () => {
    const t = tree('a = 1\n[m."docker.io"]\nendpoint = ["x"]\n[m."quay.io"]\n', '/a');
    assert.equal(at(t, 'a', 'b'), undefined);
    assert.equal(leafAt(t, 'm'), undefined, 'a table is no leaf');
    assert.deepEqual(keysAt(t, 'm'), ['docker.io', 'quay.io']);
    assert.deepEqual(keysAt(t, 'a'), []);
    assert.deepEqual(keysAt(undefined, 'm'), []);
  });

  it('sources lists each file that set something under a node, once', () => {
    const merged = deepMerge(tree('[r]\na = 1\nb = 2\n', '/a'), tree('[r]\nc = 3\n', '/b'));
    assert.deepEqual(sources(at(merged, 'r')), ['/a', '/b']);
    assert.deepEqual(sources(undefined), []);
  });
});
