import assert from 'node:assert/strict';
import type { ApplyResult, RuntimeResult } from '@berth/contracts/node-agent';
import { exitCode, nodeVerdict } from './gate.ts';

const result = (results: Partial<RuntimeResult>[], extra: Partial<ApplyResult> = {}): ApplyResult => ({
  runtimes: [{ name: 'containerd', detectedBy: 'node', restartRequired: false }],
  registries: [{ registry: 'docker.io', project: 'a/b', results: results.map((r) => ({ runtime: 'containerd', message: '', reason: 'x', state: 'active', ...r })) }],
  changed: [],
  restored: [],
  errors: [],
  ...extra,
});

describe('the node verdict --once and --check exit with', () => {
  const cases: [string, ApplyResult, string, number][] = [
    ['every runtime mirrored', result([{ verdict: 'mirrored' }]), 'mirrored', 0],
    ['a skipped runtime does not hold the node back', result([{ verdict: 'mirrored' }, { runtime: 'docker', state: 'skipped', verdict: 'skipped' }]), 'mirrored', 0],
    ['no registry for this node', result([], { registries: [] }), 'mirrored', 0],
    ['a runtime not mirrored wins over an unknown one', result([{ state: 'pending', verdict: 'unknown' }, { runtime: 'crio', state: 'pending', verdict: 'not-mirrored' }]), 'not-mirrored', 3],
    ['unknown alone', result([{ state: 'pending', verdict: 'unknown' }]), 'unknown', 4],
    ['an error wins over everything', result([{ verdict: 'mirrored' }], { errors: ['/etc/x: EACCES'] }), 'failed', 1],
    ['registries to mirror and no runtime found', result([], { runtimes: [] }), 'not-mirrored', 3],
    ['a report of an older agent: read by state', result([{ state: 'pending' }]), 'not-mirrored', 3],
  ];
  for (const [what, r, verdict, code] of cases) {
    it(what, () => assert.deepEqual([nodeVerdict(r), exitCode(r)], [verdict, code]));
  }
});
