import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { sha256Of } from '../oci/digest.ts';
import { FileBlobStore } from './file-store.ts';
import { openStore, type OpenedStore } from './open.ts';

describe('openStore', () => {
  let dir: string;
  let opened: OpenedStore | undefined;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'berth-open-'))));
  afterEach(async () => {
    opened?.close();
    opened = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function roundTrip(store: OpenedStore['store'], body: Buffer): Promise<Buffer> {
    const digest = sha256Of(body);
    const writer = await store.writer(digest, body.length);
    await writer.write(body);
    await writer.commit();
    return buffer(await store.open(digest));
  }

  it('a volume: creates the folder, opens a file store in it for this replica, with the index beside the blobs', async () => {
    const directory = join(dir, 'not', 'yet', 'there');
    opened = await openStore({ directory }, { replica: 'proxy-0' });
    assert.ok(opened.store instanceof FileBlobStore);
    assert.equal(opened.description, `volume ${directory}`);
    assert.equal(opened.indexFile, join(directory, 'index.sqlite'));
    assert.equal((opened.store as FileBlobStore).paths.tmpDir, join(directory, 'v1', 'tmp', 'proxy-0'));
    const body = Buffer.from('a small blob');
    assert.deepEqual(await roundTrip(opened.store, body), body);
  });

  it('storage.memory sizes the hot blobs: 0 holds nothing in memory, the default holds a small blob read', async () => {
    const body = Buffer.from('held or not');
    opened = await openStore({ directory: join(dir, 'cold'), memory: '0' }, { replica: 'proxy-0' });
    await roundTrip(opened.store, body);
    assert.equal(opened.hot.bytes, 0);
    opened.close();
    opened = await openStore({ directory: join(dir, 'warm') }, { replica: 'proxy-0' });
    await roundTrip(opened.store, body);
    assert.equal(opened.hot.bytes, body.length);
  });

  it('refuses a replica name that is not a plain file name', async () => {
    await assert.rejects(openStore({ directory: dir }, { replica: '../escape' }), /is not a plain file name/);
  });
});
