import assert from 'node:assert/strict';
import { retryableStatus } from './retry.ts';

describe('retryableStatus', () => {
  const table: [number, boolean][] = [
    [400, false], [401, false], [403, false], [404, false], [405, false], [408, true], [410, false], [429, false],
    [500, false], [501, false], [502, true], [503, true], [504, true],
  ];
  for (const [status, retry] of table) {
    it(`${status}: ${retry ? 'asks again' : 'answers at once'}`, () => assert.equal(retryableStatus(status), retry));
  }
});
