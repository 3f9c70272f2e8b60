import assert from 'node:assert/strict';
import type { LabelSelector } from '../api/index.ts';
import { selectorMatches } from './label-selector.ts';

describe('webhook: label selectors as the apiserver reads them', () => {
  const labels = { team: 'a', tier: 'web' };
  const table: [string, LabelSelector | undefined, Record<string, string> | undefined, boolean][] = [
    ['no selector selects all', undefined, labels, true],
    ['empty selector selects all', {}, undefined, true],
    ['matchLabels, all pairs', { matchLabels: { team: 'a', tier: 'web' } }, labels, true],
    ['matchLabels, one differs', { matchLabels: { team: 'b' } }, labels, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'web'] }] }, labels, true],
    ['In, key missing', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, labels, false],
    ['NotIn, key missing', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, labels, true],
    ['NotIn, value listed', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels, false],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels, false],
    ['labels and expressions both hold', { matchLabels: { team: 'a' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
    ['unknown operator selects nothing', { matchExpressions: [{ key: 'team', operator: 'Gt' as 'In', values: ['1'] }] }, labels, false],
  ];
  for (const [name, selector, have, want] of table) it(name, () => assert.equal(selectorMatches(selector, have), want));
});
