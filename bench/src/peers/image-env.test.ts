import assert from 'node:assert/strict';
import { imageEnv } from './image-env.ts';

describe('imageEnv', () => {
  it('reads the runtime stage ENV lines of a Dockerfile, not the build stage', () => {
    const text = ['FROM a AS build', 'ENV CI=true', 'FROM b', 'ENV NODE_ENV=production X=1 \\', '  Y=2', 'ENV Z=3'].join('\n');
    assert.deepEqual(imageEnv(text), { NODE_ENV: 'production', X: '1', Y: '2', Z: '3' });
  });

  it("gives the proxy image's allocator settings", () => {
    const env = imageEnv();
    assert.equal(env.NODE_ENV, 'production');
    assert.ok(env.MALLOC_ARENA_MAX, 'proxy/Dockerfile sets MALLOC_ARENA_MAX');
  });
});
