import assert from 'node:assert/strict';
import { sourceCommit } from './source.ts';

describe('the commit a run measured', () => {
  it('is the checkout\'s short commit, marked when tracked files differ from it', () => {
    assert.match(sourceCommit() ?? '', /^[0-9a-f]{12}(\+changes)?$/);
  });
});
