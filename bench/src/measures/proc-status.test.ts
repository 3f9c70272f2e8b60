import assert from 'node:assert/strict';
import { parseProcStatus } from './proc-status.ts';

describe('parseProcStatus', () => {
  it('reads peak and current RSS in bytes', () => {
    const text = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\nThreads:\t11\n';
    assert.deepEqual(parseProcStatus(text), { vmHwmBytes: 81920 * 1024, vmRssBytes: 40960 * 1024 });
  });

  it('fails when the kernel did not report the field (a kernel thread, a gone process)', () => {
    assert.throws(() => parseProcStatus('Name:\tkthreadd\n'), /no VmHWM/);
  });
});
