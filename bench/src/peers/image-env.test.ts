import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { imageEnv, imageNodeArgs } from './image-env.ts';

describe('imageEnv', () => {
  it('reads the runtime stage ENV lines of a Dockerfile, not the build stage', () => {
    const text = ['FROM a AS build', 'ENV CI=true', 'FROM b', 'ENV NODE_ENV=production X=1 \\', '  Y=2', 'ENV Z=3'].join('\n');
    assert.deepEqual(imageEnv(text), { NODE_ENV: 'production', X: '1', Y: '2', Z: '3' });
  });

  it("gives the proxy image's memory settings, with this host's copy of the allocator it preloads", () => {
    const env = imageEnv();
    assert.equal(env.NODE_ENV, 'production');
    assert.match(env.NODE_OPTIONS ?? '', /--max-semi-space-size=/);
    assert.match(env.LD_PRELOAD ?? '', /^\/usr\/lib\/.*libjemalloc\.so\.2$/);
    assert.ok(existsSync(env.LD_PRELOAD!));
  });

  it('refuses a preloaded library the host lacks, saying how to get it', () => {
    const text = ['FROM b', 'ENV LD_PRELOAD=/app/lib/libnothere.so.1'].join('\n');
    assert.throws(() => imageEnv(text, ['/nonexistent']), /libnothere\.so\.1, which this host lacks/);
  });

  it("reads the node flags of the runtime stage's ENTRYPOINT, before the script", () => {
    const text = ['FROM a AS build', 'ENTRYPOINT ["node", "--build-only"]', 'FROM b', 'ENTRYPOINT ["node", "--a=1", "--b", "/app/bin/x", "--not-a-node-flag"]'].join('\n');
    assert.deepEqual(imageNodeArgs(text), ['--a=1', '--b']);
    assert.deepEqual(imageNodeArgs(['FROM b', 'ENTRYPOINT ["/bin/sh", "--x"]'].join('\n')), []);
    assert.deepEqual(imageNodeArgs('FROM b'), []);
  });

  it("gives the proxy image's heap floor, which NODE_OPTIONS would refuse", () => {
    assert.ok(imageNodeArgs().some((arg) => arg.startsWith('--initial-old-space-size=')), imageNodeArgs().join(' '));
  });
});
