import assert from 'node:assert/strict';
import { limitOf } from './limits.ts';
import type { LoadFigures } from './procfs/load-watch.ts';

const idle: LoadFigures = { seconds: 5, cpus: 2, serverCores: 0.3, busiestThreadCores: 0.25, diskReadBytes: 0, peakRssBytes: 1, clientCores: 0.2, machineCores: 0.6, iowaitCores: 0, softirqCores: 0.05, benchCores: 0.01 };

describe('limitOf', () => {
  it("names a server thread at a full core first: Node's JavaScript thread", () => {
    assert.equal(limitOf({ ...idle, serverCores: 1.1, busiestThreadCores: 0.97, machineCores: 1.95 }, 'Berth', 'wrk'), 'CPU: one Berth thread at 0.97 core');
  });

  it('names every core busy, and who used them', () => {
    assert.equal(
      limitOf({ ...idle, serverCores: 1.2, busiestThreadCores: 0.6, clientCores: 0.6, machineCores: 1.9 }, 'nginx', 'wrk'),
      'CPU: all 2 cores busy (nginx 1.20, wrk 0.60, softirq 0.05, bench 0.01, other 0.04)',
    );
  });

  it('names the disk when the server read from it and the cores waited on it', () => {
    assert.equal(limitOf({ ...idle, iowaitCores: 0.8, diskReadBytes: 1e9 }, 'Berth', 'curl'), 'disk: 0.80 cores waiting on I/O');
  });

  it('says when nothing measured was saturated', () => {
    assert.equal(limitOf(idle, 'Berth', 'wrk'), 'no CPU saturated (Berth 0.30, wrk 0.20, softirq 0.05, bench 0.01, other 0.04): loopback and round trips');
  });

  it('splits the machine without a server share when the bench did not start the server', () => {
    const { serverCores: _s, busiestThreadCores: _b, diskReadBytes: _d, peakRssBytes: _p, ...noServer } = idle;
    assert.equal(limitOf(noServer, 'upstream', 'skopeo'), 'no CPU saturated (skopeo 0.20, softirq 0.05, bench 0.01, other 0.34): loopback and round trips');
  });
});
