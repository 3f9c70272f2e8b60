import assert from 'node:assert/strict';
import { parseOciRequest } from './route.ts';
import { resolveProjects } from '../project.ts';
import { OciError } from '../oci/errors.ts';

const projects = resolveProjects({
  listen: ':5000', storage: { directory: '/x' },
  projects: [
    { name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io' },
    { name: 'ghcr', registry: 'ghcr.io', upstream: 'https://ghcr.io' },
  ],
});
const D = `sha256:${'a'.repeat(64)}`;

function parse(method: string, path: string) {
  return parseOciRequest(method, new URL(path, 'http://p'), projects);
}

describe('parseOciRequest', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['GET', '/v2/docker.io/library/nginx/manifests/1.27', { kind: 'manifest', name: 'library/nginx', reference: '1.27', p: 'hub' }],
    ['GET', '/v2/nginx/manifests/1.27', { kind: 'manifest', name: 'library/nginx', reference: '1.27', p: 'hub' }],
    ['HEAD', `/v2/org/app/blobs/${D}?ns=ghcr.io`, { kind: 'blob', name: 'org/app', reference: D, p: 'ghcr' }],
    ['GET', '/v2/ghcr.io/org/app/tags/list?n=2&last=a', { kind: 'tags', name: 'org/app', n: 2, last: 'a', p: 'ghcr' }],
    ['GET', `/v2/ghcr.io/app/referrers/${D}`, { kind: 'referrers', name: 'app', reference: D, p: 'ghcr' }],
    ['GET', '/v2/_catalog', { kind: 'catalog', n: undefined, last: undefined, p: 'hub' }],
    ['GET', '/v2/_catalog?ns=ghcr.io&n=5', { kind: 'catalog', n: 5, p: 'ghcr' }],
    ['GET', '/v2/ghcr.io/_catalog?last=org%2Fapp', { kind: 'catalog', last: 'org/app', p: 'ghcr' }],
    ['PUT', '/v2/app/manifests/v1', { kind: 'write' }],
    ['POST', '/v2/app/blobs/uploads/', { kind: 'write' }],
  ];
  for (const [method, path, want] of cases) {
    it(`${method} ${path}`, () => {
      const r = parse(method, path) as Record<string, unknown> & { project?: { name: string } };
      const { p, ...fields } = want;
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(r[k], v, k);
      if (p) assert.equal(r.project?.name, p);
    });
  }

  const bad: [string, string][] = [
    ['/v2/Bad_Name/manifests/v1', 'NAME_INVALID'],
    ['/v2/app/manifests/-bad', 'MANIFEST_UNKNOWN'],
    ['/v2/app/manifests/.INVALID_MANIFEST_NAME', 'MANIFEST_UNKNOWN'],
    ['/v2/app/blobs/md5:abc', 'DIGEST_INVALID'],
    ['/v2/app/blobs/sha256:../../etc/passwd', 'DIGEST_INVALID'],
    ['/v2/app/manifests/v1?ns=quay.io', 'NAME_UNKNOWN'],
    ['/v2/quay.io/_catalog', 'NAME_UNKNOWN'],
    ['/v2/_catalog?ns=quay.io', 'NAME_UNKNOWN'],
    ['/v2/_catalog?n=-1', 'UNSUPPORTED'],
  ];
  for (const [path, code] of bad) {
    it(`refuses ${path} with ${code}`, () => {
      assert.throws(() => parse('GET', path), (err: unknown) => err instanceof OciError && err.code === code);
    });
  }
});
