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

  it('tells of each entry dropped to make room, not of one deleted', () => {
    const dropped: string[] = [];
    const memo = new Memo<string>(4, (v) => v.length, (key) => dropped.push(key));
    memo.set('a', 'aa');
    memo.set('b', 'bb');
    memo.delete('b');
    memo.set('c', 'cc');
    memo.set('d', 'dd');
    assert.deepEqual(dropped, ['a']);
  });
});
