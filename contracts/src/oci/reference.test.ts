import assert from 'node:assert/strict';
import { parseImageReference } from './reference.ts';

const D = `sha256:${'b'.repeat(64)}`;

describe('parseImageReference', () => {
  const good: [string, string, string][] = [
    ['library/nginx:1.27', 'library/nginx', '1.27'],
    ['nginx', 'nginx', 'latest'],
    [`team/app@${D}`, 'team/app', D],
  ];
  for (const [text, repository, reference] of good) {
    it(`splits ${text}`, () => assert.deepEqual(parseImageReference(text), { repository, reference }));
  }
  const bad = ['Library/nginx:1', 'nginx:-bad', 'app@md5:abc', `app@sha256:${'z'.repeat(64)}`, '../etc:1', ''];
  for (const text of bad) {
    it(`refuses ${JSON.stringify(text)} with a reason`, () => {
      const parsed = parseImageReference(text);
      assert.ok('problem' in parsed && parsed.problem.length > 0);
    });
  }
});
