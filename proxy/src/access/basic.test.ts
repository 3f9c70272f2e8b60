import assert from 'node:assert/strict';
import { parseBasic } from './basic.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseBasic', () => {
  const cases: [string | undefined, ReturnType<typeof parseBasic>][] = [
    [`Basic ${b64('ci:pa:ss')}`, { username: 'ci', password: 'pa:ss' }],
    [`basic ${b64('ci:')}`, { username: 'ci', password: '' }],
    [`Basic ${b64(':nouser')}`, undefined],
    [`Basic ${b64('nocolon')}`, undefined],
    [`Bearer ${b64('ci:pw')}`, undefined],
    [undefined, undefined],
  ];
  for (const [header, expected] of cases) {
    it(`${header ?? '(none)'}`, () => assert.deepEqual(parseBasic(header), expected));
  }
});
