import assert from 'node:assert/strict';
import { parseOptions } from './options.ts';

describe('parseOptions', () => {
  it('runs everything against every peer by default, and writes the results', () => {
    const o = parseOptions([]);
    assert.deepEqual(o.peers, ['berth', 'distribution', 'nginx']);
    assert.deepEqual(o.measures, ['warm-blob', 'manifest', 'cold-pull', 'concurrent', 'rss']);
    assert.equal(o.loadSeconds, 4);
    assert.equal(o.write, true);
  });

  it('narrows peers and measures, and a quick run writes nothing', () => {
    const o = parseOptions(['--quick', '--peers', 'nginx,distribution', '--only', 'manifest']);
    assert.deepEqual(o.peers, ['nginx', 'distribution']);
    assert.deepEqual(o.measures, ['manifest']);
    assert.equal(o.loadSeconds, 3);
    assert.equal(o.write, false);
  });

  it('names what it does not know', () => {
    assert.throws(() => parseOptions(['--peers', 'harbor']), /unknown peer "harbor"/);
    assert.throws(() => parseOptions(['--seconds', '0']), /positive/);
  });
});
