import assert from 'node:assert/strict';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { desiredPvc } from './pvc.ts';
import { project } from './fixtures.test-helper.ts';

const existing = (storage: string, storageClassName = 'standard', mode = 'ReadWriteOnce'): V1PersistentVolumeClaim => ({
  spec: { accessModes: [mode], resources: { requests: { storage } }, storageClassName },
});

describe('cache PVC', () => {
  it('asks for 20Gi ReadWriteOnce by default, and the class only when the project names one', () => {
    const plan = desiredPvc(project());
    assert.ok('pvc' in plan);
    assert.deepEqual(plan.pvc.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    const withClass = desiredPvc(project({ storage: { size: '5Gi', storageClassName: 'fast' } }));
    assert.ok('pvc' in withClass && withClass.pvc.spec?.storageClassName === 'fast');
  });

  it('grows an existing claim', () => {
    const plan = desiredPvc(project({ storage: { size: '30Gi' } }), existing('20Gi'));
    assert.ok('pvc' in plan && plan.pvc.spec?.resources?.requests?.storage === '30Gi');
  });

  it('keeps an equal size written another way', () => {
    assert.ok('pvc' in desiredPvc(project({ storage: { size: '20480Mi' } }), existing('20Gi')));
  });

  it('refuses a shrink, a class change and an access mode change, saying what to write', () => {
    const table: [Parameters<typeof project>[0], string, RegExp][] = [
      [{ storage: { size: '10Gi' } }, 'StorageShrinkRefused', /set storage.size to 20Gi or more/],
      [{ storage: { size: '20Gi', storageClassName: 'fast' } }, 'StorageClassChangeRefused', /set it back to standard/],
      [{ storage: { size: '20Gi', accessMode: 'ReadWriteMany' } }, 'StorageAccessModeChangeRefused', /ReadWriteOnce/],
    ];
    for (const [spec, reason, message] of table) {
      const plan = desiredPvc(project(spec), existing('20Gi'));
      assert.ok('refusal' in plan, reason);
      assert.equal(plan.refusal.reason, reason);
      assert.match(plan.refusal.message, message);
    }
  });
});
