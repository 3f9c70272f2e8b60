// A parsed TOML document whose every value remembers the file it came from, so that after containerd's merge of
// config.toml and its imports the report can say which file set config_path (and which file the fix belongs in).
// Tables are plain objects of nodes; everything else (strings, numbers, arrays, arrays of tables) is a Leaf, as
// arrays are in containerd's map[string]interface{}: replaced, never merged element by element.

export class Leaf {
  constructor(
    readonly value: unknown,
    /** Node path of the file that set this value. */
    readonly from: string,
  ) {}
}

export interface Table {
  [key: string]: Node;
}
export type Node = Table | Leaf;

export function isTable(node: Node | undefined): node is Table {
  return node !== undefined && !(node instanceof Leaf);
}

/** Wraps what smol-toml parsed: objects become tables, everything else a Leaf of `from`. */
export function toTree(parsed: Record<string, unknown>, from: string): Table {
  const out: Table = {};
  for (const [key, value] of Object.entries(parsed)) {
    out[key] = isPlainObject(value) ? toTree(value, from) : new Leaf(value, from);
  }
  return out;
}

/** A TOML table as smol-toml returns it (objects without a prototype); dates are Date objects, arrays arrays. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * containerd 2.x: `mergo.Merge(to, from, mergo.WithOverride)` over map[string]interface{} (dario.cat/mergo
 * v1.0.2 deepMerge, map case): a table in both is merged key by key; anything else in `from` replaces what
 * `to` had, even an empty string or false (WithOverride sets map entries whatever their value).
 */
export function deepMerge(to: Table, from: Table): Table {
  const out: Table = { ...to };
  for (const [key, value] of Object.entries(from)) {
    const before = out[key];
    out[key] = isTable(before) && isTable(value) ? deepMerge(before, value) : value;
  }
  return out;
}

/** The node at a path of keys, or undefined. */
export function at(tree: Table | undefined, ...keys: string[]): Node | undefined {
  let node: Node | undefined = tree;
  for (const k of keys) {
    if (!isTable(node)) return undefined;
    node = node[k];
  }
  return node;
}

/** The leaf at a path of keys, or undefined when absent or a table. */
export function leafAt(tree: Table | undefined, ...keys: string[]): Leaf | undefined {
  const node = at(tree, ...keys);
  return node instanceof Leaf ? node : undefined;
}

/** Keys of the table at a path (e.g. the registries under registry.mirrors); [] when absent or not a table. */
export function keysAt(tree: Table | undefined, ...keys: string[]): string[] {
  const node = at(tree, ...keys);
  return isTable(node) ? Object.keys(node) : [];
}

/** Files that contributed a value somewhere under a node (for "set in …" messages). */
export function sources(node: Node | undefined): string[] {
  if (node === undefined) return [];
  if (node instanceof Leaf) return [node.from];
  return [...new Set(Object.values(node).flatMap(sources))];
}
