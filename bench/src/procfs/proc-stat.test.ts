import assert from 'node:assert/strict';
import { parseMachineStat, parsePidStat, parseReadBytes, parseReapedChildrenTicks } from './proc-stat.ts';

// Lines as the kernel prints them (trimmed to the fields read), a command name with a space and a ")" in it.
const stat = '4242 (node (main) x) S 4200 4242 4200 0 -1 4194560 9011 0 0 0 150 37 11 5 20 0 11 0 812 1100 20000';

describe('proc-stat', () => {
  it('reads pid, parent and utime+stime after the last ")"', () => {
    assert.deepEqual(parsePidStat(stat), { pid: 4242, ppid: 4200, cpuTicks: 187 });
  });

  it("reads the reaped children's cutime+cstime", () => {
    assert.equal(parseReapedChildrenTicks(stat), 16);
  });

  it('counts idle and iowait out of the busy ticks of /proc/stat', () => {
    const text = 'cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n';
    assert.deepEqual(parseMachineStat(text), { busy: 161, iowait: 20, softirq: 5, total: 1181 });
  });

  it('reads read_bytes of /proc/<pid>/io', () => {
    assert.equal(parseReadBytes('rchar: 10\nwchar: 2\nread_bytes: 4096\nwrite_bytes: 0\n'), 4096);
  });

  it('names what it cannot read', () => {
    assert.throws(() => parsePidStat('garbage'), /not a \/proc\/<pid>\/stat line/);
    assert.throws(() => parseMachineStat('intr 1 2\n'), /no "cpu" line/);
    assert.throws(() => parseReadBytes('rchar: 1\n'), /no read_bytes/);
  });
});
