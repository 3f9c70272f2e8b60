import assert from 'node:assert/strict';
import { acceptedManifestTypes, DOCKER_LIST, DOCKER_MANIFEST, OCI_MANIFEST } from './mediatypes.ts';

describe('acceptedManifestTypes', () => {
  const cases: [string | string[] | undefined, string[] | undefined][] = [
    [undefined, undefined],
    ['', undefined],
    [`${DOCKER_MANIFEST}, ${DOCKER_LIST}`, [DOCKER_MANIFEST, DOCKER_LIST]],
    [[OCI_MANIFEST, `${DOCKER_MANIFEST}; q=0.5`], [OCI_MANIFEST, DOCKER_MANIFEST]],
    [`${DOCKER_MANIFEST}, */*`, undefined],
    ['application/json', undefined],
    ['text/html', undefined],
  ];
  for (const [accept, want] of cases) {
    it(`${JSON.stringify(accept)} → ${JSON.stringify(want)}`, () => assert.deepEqual(acceptedManifestTypes(accept), want));
  }

  it('answers alike for a header seen before, also after many distinct ones (its memory is bounded)', () => {
    const header = `${OCI_MANIFEST}, ${DOCKER_MANIFEST}`;
    assert.deepEqual(acceptedManifestTypes(header), [OCI_MANIFEST, DOCKER_MANIFEST]);
    for (let i = 0; i < 1000; i++) assert.equal(acceptedManifestTypes(`text/x-${i}`), undefined);
    assert.deepEqual(acceptedManifestTypes(header), [OCI_MANIFEST, DOCKER_MANIFEST]);
    assert.ok(Object.isFrozen(acceptedManifestTypes(header)), 'the answer is shared: nobody may change it');
  });
});
