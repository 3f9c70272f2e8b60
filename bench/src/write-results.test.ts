import assert from 'node:assert/strict';
import { resultFileName } from './write-results.ts';

describe('resultFileName', () => {
  it('names a run by its start time, sortable and without colons', () => {
    assert.equal(resultFileName('2026-11-23T00:12:08.123Z'), '2026-11-23T00-12-08Z.json');
  });
});
