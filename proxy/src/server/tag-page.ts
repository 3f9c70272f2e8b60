// One page of a tags/list answer (distribution spec, "Listing Tags"): the tags in lexical order, those after `last`
// only, at most `n` of them, and whether a next page exists (the handler then sends a Link to it).

export interface TagPage {
  tags: string[];
  /** True when tags after this page remain: the answer carries `Link: <…?n=&last=>; rel="next"`. */
  more: boolean;
}

export function tagPage(all: readonly string[], n: number | undefined, last: string | undefined): TagPage {
  let tags = [...all].sort();
  if (last !== undefined) tags = tags.filter((t) => t > last);
  const more = n !== undefined && tags.length > n;
  if (n !== undefined) tags = tags.slice(0, n);
  return { tags, more: more && tags.length > 0 };
}
