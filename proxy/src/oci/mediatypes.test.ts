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
});
