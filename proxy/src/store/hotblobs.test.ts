import assert from 'node:assert/strict';
import { HotBlobs } from './hotblobs.ts';

describe('HotBlobs: small blobs in memory', () => {
  const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);

  it('loads a blob once and then serves the same buffer', async () => {
    const hot = new HotBlobs({ hotBytes: 100, hotBlobMaxBytes: 50 });
    let loads = 0;
    const load = async () => {
      loads++;
      return bytes(10);
    };
    const first = await hot.get('a', 10, load);
    const second = await hot.get('a', 10, load);
    assert.equal(loads, 1);
    assert.equal(first, second);
  });

  it('reads the file once for concurrent first requests', async () => {
    const hot = new HotBlobs({ hotBytes: 100, hotBlobMaxBytes: 50 });
    let loads = 0;
    const load = async () => {
      loads++;
      return bytes(10);
    };
    const all = await Promise.all([hot.get('a', 10, load), hot.get('a', 10, load), hot.get('a', 10, load)]);
    assert.equal(loads, 1);
    assert.ok(all.every((b) => b?.byteLength === 10));
  });

  it('leaves blobs above the per-blob limit to the file', async () => {
    const hot = new HotBlobs({ hotBytes: 100, hotBlobMaxBytes: 50 });
    assert.equal(await hot.get('big', 51, async () => assert.fail('must not load')), undefined);
  });

  it('drops the least recently used blob to stay within its total', async () => {
    const hot = new HotBlobs({ hotBytes: 25, hotBlobMaxBytes: 10 });
    let loads = 0;
    const load = (fill: number) => async () => {
      loads++;
      return bytes(10, fill);
    };
    await hot.get('a', 10, load(1));
    await hot.get('b', 10, load(2));
    await hot.get('a', 10, load(1)); // a is now the most recent
    await hot.get('c', 10, load(3)); // 30 > 25: b goes
    assert.equal(loads, 3);
    await hot.get('a', 10, load(1));
    assert.equal(loads, 3, 'a was kept');
    await hot.get('b', 10, load(2));
    assert.equal(loads, 4, 'b was dropped and loaded again');
  });

  it('loads again when the file has another size, and forgets on delete', async () => {
    const hot = new HotBlobs({ hotBytes: 100, hotBlobMaxBytes: 50 });
    let loads = 0;
    const load = async () => {
      loads++;
      return bytes(10);
    };
    await hot.get('a', 10, load);
    assert.equal(await hot.get('a', 12, load), undefined, 'the file changed under us: not served from memory');
    hot.delete('a');
    await hot.get('a', 10, load);
    assert.equal(loads, 3);
  });

  it('holds nothing when turned off', async () => {
    const hot = new HotBlobs({ hotBytes: 0 });
    assert.equal(await hot.get('a', 1, async () => assert.fail('must not load')), undefined);
  });
});
