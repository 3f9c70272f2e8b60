import assert from 'node:assert/strict';
import { parseDuration } from './duration.ts';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000], ['5m', 300_000], ['168h', 168 * 3_600_000], ['30d', 30 * 86_400_000], ['1h30m', 5_400_000],
    ['250ms', 250], ['1.5h', 5_400_000], ['0', 0], ['5x', undefined], ['', undefined], ['5', undefined], ['m5', undefined],
    ['1m5ms', 60_005], ['0.5s', 500], ['-5s', undefined], ['.5h', undefined], ['1.h', undefined], ['5S', undefined],
    ['00', undefined], [' 5s', undefined], ['5s ', undefined], ['1h 30m', undefined],
  ];
  for (const [text, ms] of cases) {
    it(`${JSON.stringify(text)} → ${ms}`, () => assert.equal(parseDuration(text), ms));
  }
});
