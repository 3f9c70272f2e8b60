import assert from 'node:assert/strict';
import { ImageReferenceError, manifestReference, matchableReference, normalizedReference, parseImageReference, rewrittenReference } from './image-reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

describe('webhook: image references', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['org/app:v1', 'docker.io/org/app:v1'],
    ['index.docker.io/nginx', 'docker.io/library/nginx'],
    ['docker.io/library/nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['quay.io/org/app:v1', 'quay.io/org/app:v1'],
    ['Quay.IO/org/app', 'quay.io/org/app'],
    [`quay.io/org/app@${D}`, `quay.io/org/app@${D}`],
    [`quay.io/org/app:v1@${D}`, `quay.io/org/app:v1@${D}`],
    ['registry.example.com:5000/team/app:v2', 'registry.example.com:5000/team/app:v2'],
    ['localhost/app', 'localhost/app'],
    ['ghcr.io/org/deep/path/app:1.0-rc.1', 'ghcr.io/org/deep/path/app:1.0-rc.1'],
  ];
  for (const [text, normalized] of cases) {
    it(`${text} → ${normalized}`, () => assert.equal(normalizedReference(parseImageReference(text)), normalized));
  }

  it('refuses what no runtime could pull, with a typed error', () => {
    for (const bad of ['', 'Org/App', 'quay.io/org/app:', 'quay.io/org/app@sha256:short', 'a b', 'quay.io//app', 'quay.io/org/app:bad!tag']) {
      assert.throws(() => parseImageReference(bad), (e: Error) => e instanceof ImageReferenceError && e.code === 'IMAGE_REFERENCE_INVALID', bad);
    }
  });

  it('puts the cache host in front and keeps tag and digest; the manifest reference is the digest first, then the tag', () => {
    const ref = parseImageReference(`quay.io/org/app:v1@${D}`);
    assert.equal(rewrittenReference(ref, 'cache.example.com'), `cache.example.com/quay.io/org/app:v1@${D}`);
    assert.equal(manifestReference(ref), D);
    assert.equal(manifestReference(parseImageReference('quay.io/org/app:v1')), 'v1');
    assert.equal(manifestReference(parseImageReference('nginx')), 'latest');
    // no tag stays no tag: the kubelet's own defaulting already set imagePullPolicy from it
    assert.equal(rewrittenReference(parseImageReference('nginx'), '10.96.0.9:5000'), '10.96.0.9:5000/docker.io/library/nginx');
    // patterns read the tag a runtime pulls
    assert.equal(matchableReference(parseImageReference('nginx')), 'docker.io/library/nginx:latest');
    assert.equal(matchableReference(parseImageReference(`nginx@${D}`)), `docker.io/library/nginx@${D}`);
  });
});
