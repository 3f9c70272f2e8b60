import assert from 'node:assert/strict';
import { freeLoopbackPorts } from './ports.ts';

describe('free loopback ports', () => {
  it('hands out distinct ports', async () => {
    const ports = await freeLoopbackPorts(6);
    assert.equal(new Set(ports).size, 6);
    for (const p of ports) assert.ok(p > 0 && p < 65536);
  });
});
