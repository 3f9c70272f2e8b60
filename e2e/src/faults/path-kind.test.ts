import assert from 'node:assert/strict';
import { pathKind, type PathKind } from './path-kind.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('pathKind', () => {
  const table: [string, PathKind][] = [
    [`/v2/library/app/blobs/${DIGEST}`, 'blob'],
    [`/v2/library/app/blobs/${DIGEST}?ns=docker.io`, 'blob'],
    ['/v2/library/app/blobs/uploads/', 'other'],
    [`/v2/library/app/manifests/${DIGEST}`, 'manifest-by-digest'],
    ['/v2/library/app/manifests/v1', 'manifest-by-tag'],
    ['/v2/library/app/manifests/v1?berth-loop=1', 'manifest-by-tag'],
    // A repository may have a segment named like an endpoint: the last one decides.
    ['/v2/team/blobs/app/manifests/1.0', 'manifest-by-tag'],
    ['/v2/library/app/tags/list', 'tags-list'],
    ['/v2/library/app/tags/list?n=10&last=v1', 'tags-list'],
    ['/v2/', 'other'],
    ['/v2/_catalog', 'other'],
  ];
  for (const [path, kind] of table) it(`${path} is ${kind}`, () => assert.equal(pathKind(path), kind));
});
