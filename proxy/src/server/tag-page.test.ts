import assert from 'node:assert/strict';
import { tagPage } from './tag-page.ts';

describe('tagPage', () => {
  const all = ['v3', 'latest', 'v1', 'v10', 'v2'];

  const cases: [string, number | undefined, string | undefined, string[], boolean][] = [
    ['everything, sorted', undefined, undefined, ['latest', 'v1', 'v10', 'v2', 'v3'], false],
    ['the first n', 2, undefined, ['latest', 'v1'], true],
    ['n after last', 2, 'v1', ['v10', 'v2'], true],
    ['the last page', 2, 'v2', ['v3'], false],
    ['last alone: everything after it', undefined, 'v10', ['v2', 'v3'], false],
    ['last not itself a tag: what sorts after it', 10, 'v15', ['v2', 'v3'], false],
    ['past the end', 2, 'v3', [], false],
    ['n=0: no tags and no next page', 0, undefined, [], false],
    ['exactly n left', 3, 'v10', ['v2', 'v3'], false],
  ];
  for (const [what, n, last, tags, more] of cases) {
    it(`${what} (n=${n}, last=${last})`, () => {
      assert.deepEqual(tagPage(all, n, last), { tags, more });
    });
  }

  it('walking pages by the last tag of each gives every tag once, in order', () => {
    const seen: string[] = [];
    let last: string | undefined;
    for (let page = tagPage(all, 2, last); ; page = tagPage(all, 2, last)) {
      seen.push(...page.tags);
      if (!page.more) break;
      last = page.tags[page.tags.length - 1];
    }
    assert.deepEqual(seen, ['latest', 'v1', 'v10', 'v2', 'v3']);
  });

  it('leaves the list it was given as it was', () => {
    const given = ['b', 'a'];
    tagPage(given, 1, undefined);
    assert.deepEqual(given, ['b', 'a']);
  });
});
