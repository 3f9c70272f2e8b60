import assert from 'node:assert/strict';
import { Memo } from './memo.ts';

describe('Memo', () => {
  it('drops the least recently used entries past its weight', () => {
    const memo = new Memo<string>(6, (v) => v.length);
    memo.set('a', 'aa');
    memo.set('b', 'bb');
    memo.set('c', 'cc');
    assert.equal(memo.get('a'), 'aa');
    memo.set('d', 'dd');
    assert.equal(memo.get('b'), undefined);
    assert.deepEqual([memo.get('a'), memo.get('c'), memo.get('d')], ['aa', 'cc', 'dd']);
  });

  it('does not keep a value heavier than the whole memo', () => {
    const memo = new Memo<string>(2, (v) => v.length);
    memo.set('big', 'xxx');
    assert.equal(memo.get('big'), undefined);
  });
});
