import assert from 'node:assert/strict';
import { renderShares, topFiles, topFrames, type CpuProfile } from './top-frames.ts';

const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, hitCount: 0 },
    { id: 2, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 }, hitCount: 2 },
    { id: 3, callFrame: { functionName: 'serveBlob', url: 'file:///work/main/proxy/dist/src/server/blobs.js', lineNumber: 9 }, hitCount: 5 },
    { id: 4, callFrame: { functionName: 'serveBlob', url: 'file:///work/main/proxy/dist/src/server/blobs.js', lineNumber: 9 }, hitCount: 1 },
    { id: 5, callFrame: { functionName: '', url: 'node:internal/fs/streams', lineNumber: 99 }, hitCount: 2 },
  ],
};

describe('topFrames', () => {
  it('sums self samples per function across call paths, largest first', () => {
    assert.deepEqual(topFrames(profile), [
      { frame: 'serveBlob (proxy/dist/src/server/blobs.js:10)', samples: 6, share: 0.6 },
      { frame: '(garbage collector)', samples: 2, share: 0.2 },
      { frame: '(anonymous) (node:internal/fs/streams:100)', samples: 2, share: 0.2 },
    ]);
  });

  it('sums per file, and renders a markdown table', () => {
    assert.deepEqual(
      topFiles(profile).map((s) => [s.frame, s.samples]),
      [
        ['proxy/dist/src/server/blobs.js', 6],
        ['(garbage collector)', 2],
        ['node:internal/fs/streams', 2],
      ],
    );
    assert.match(renderShares('blob', topFrames(profile, 1)), /\| 60.0% \| 6 \| serveBlob \(proxy\/dist\/src\/server\/blobs.js:10\) \|$/);
  });
});
