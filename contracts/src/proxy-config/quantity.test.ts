import assert from 'node:assert/strict';
import { parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  const cases: [string, number | undefined][] = [
    ['50Gi', 50 * 2 ** 30], ['500M', 500e6], ['1.5Ki', 1536], ['1024', 1024], ['1e9', 1e9], ['2k', 2000],
    ['50GB', undefined], ['-1Gi', undefined], ['Gi', undefined], ['', undefined],
  ];
  for (const [text, bytes] of cases) {
    it(`${JSON.stringify(text)} → ${bytes}`, () => assert.equal(parseQuantity(text), bytes));
  }
});
