import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { configHash, reportConfigMapName } from './report.ts';

describe('node agent report', () => {
  it('configHash: the first 16 hex digits of the text\'s SHA-256, so agent and operator compute the same', () => {
    const text = 'registries: []\n';
    assert.equal(configHash(text), createHash('sha256').update(text).digest('hex').slice(0, 16));
    assert.match(configHash(''), /^[0-9a-f]{16}$/);
    assert.notEqual(configHash('a'), configHash('a\n'));
  });

  it('one ConfigMap per node, named after it', () => {
    assert.equal(reportConfigMapName('worker-1'), 'berth-node-report-worker-1');
  });
});
