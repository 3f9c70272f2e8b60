import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

describe('summary reporter', () => {
  it('exports the reporter class itself, as mocha requires', () => {
    const Reporter: unknown = createRequire(import.meta.url)('./summary-reporter.cts');
    assert.equal(typeof Reporter, 'function');
  });
});
