import assert from 'node:assert/strict';
import { parseOptions } from './options.ts';

describe('parseOptions', () => {
  it('runs every measure against every peer by default, at full sizes, and writes the results', () => {
    const o = parseOptions([]);
    assert.deepEqual(o.peers, ['berth', 'distribution', 'nginx']);
    assert.deepEqual(o.measures, ['warm-blob', 'manifest', 'cold-pull', 'concurrent', 'storage', 'kubelet']);
    assert.equal(o.loadSeconds, 5);
    assert.deepEqual(o.blobClients, [1, 16, 64]);
    assert.equal(o.concurrentPulls, 50);
    assert.equal(o.write, true);
  });

  it('narrows peers and measures, and a quick run shrinks the loads and writes nothing', () => {
    const o = parseOptions(['--quick', '--peers', 'nginx,distribution', '--only', 'manifest']);
    assert.deepEqual(o.peers, ['nginx', 'distribution']);
    assert.deepEqual(o.measures, ['manifest']);
    assert.equal(o.loadSeconds, 2);
    assert.deepEqual(o.blobClients, [16, 64]);
    assert.equal(o.write, false);
  });

  it('leaves the kubelet measure out of a quick run, unless asked by name', () => {
    assert.deepEqual(parseOptions(['--quick']).measures, ['warm-blob', 'manifest', 'cold-pull', 'concurrent', 'storage']);
    assert.deepEqual(parseOptions(['--quick', '--only', 'kubelet']).measures, ['kubelet']);
  });

  it('names what it does not know', () => {
    assert.throws(() => parseOptions(['--peers', 'harbor']), /unknown peer "harbor"/);
    assert.throws(() => parseOptions(['--only', 'rss']), /unknown measure "rss"/);
    assert.throws(() => parseOptions(['--seconds', '0']), /positive/);
  });
});
