import assert from 'node:assert/strict';
import { Registry, Counter } from 'prom-client';
import { startHealthServer } from './health-server.ts';

describe('health server', () => {
  it('answers /healthz, /readyz by the readiness source, and /metrics as Prometheus text', async () => {
    const registry = new Registry();
    new Counter({ name: 'berth_test_total', help: 'a test counter', registers: [registry] }).inc();
    let ready = false;
    const health = await startHealthServer('127.0.0.1', 0, { ready: () => ready, registry });
    try {
      const base = `http://127.0.0.1:${health.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.match(await (await fetch(`${base}/metrics`)).text(), /berth_test_total 1/);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await health.close();
    }
  });
});
