import assert from 'node:assert/strict';
import { once, EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { Catalog } from '../index/catalog.ts';
import { resolveProjects } from '../project.ts';
import { sha256Of } from '../oci/digest.ts';
import { OciError } from '../oci/errors.ts';
import { OCI_MANIFEST } from '../oci/mediatypes.ts';
import type { ArtifactService, Manifest } from '../cache/types.ts';
import { Pinner } from './pinner.ts';

const layer = Buffer.from('pinned layer');
const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [{ digest: sha256Of(layer) }] }));
const manifest: Manifest = { digest: sha256Of(body), mediaType: OCI_MANIFEST, body };

/** An ArtifactService whose upstream is down for the first `downFor` manifest requests. */
function service(downFor: number): ArtifactService & { manifestCalls: number; blobsRead: EventEmitter } {
  const blobsRead = new EventEmitter();
  const svc = {
    manifestCalls: 0,
    blobsRead,
    async getManifest() {
      if (++svc.manifestCalls <= downFor) throw new OciError('UPSTREAM_UNAVAILABLE', 'upstream down');
      return manifest;
    },
    async statBlob() {
      return layer.byteLength;
    },
    async openBlob() {
      const stream = Readable.from([layer]);
      stream.once('end', () => blobsRead.emit('read'));
      return { size: layer.byteLength, source: 'upstream' as const, stream };
    },
    async tags() {
      return [];
    },
    async referrers() {
      return undefined;
    },
    async locateBlob() {
      return undefined;
    },
  };
  return svc;
}

const projects = resolveProjects({
  listen: ':5000', storage: { directory: '/x' },
  projects: [{ name: 'hub', registry: 'docker.io', upstream: 'http://127.0.0.1:1', pinned: ['nginx:1.27'] }],
});

describe('Pinner', () => {
  it('fetches pinned images whole at start and knows their digests', async () => {
    const svc = service(0);
    const pinner = new Pinner({ projects, service: svc, catalog: Catalog.inMemory() });
    const read = once(svc.blobsRead, 'read');
    assert.equal(await pinner.fetchAll(), 0);
    await read;
    assert.ok(pinner.pinnedKeys().has(`hub@${manifest.digest}`));
    await pinner.stop();
  });

  it('retries a pin that failed at start, on a schedule, until it is fetched', async () => {
    const svc = service(2);
    const errors: string[] = [];
    let recovered!: () => void;
    const recoveredOnce = new Promise<void>((resolve) => (recovered = resolve));
    const pinner = new Pinner({
      projects, service: svc, catalog: Catalog.inMemory(), retryMs: 5, maxRetryMs: 20,
      onError: (ref) => errors.push(ref), onRecovered: () => recovered(),
    });
    assert.equal(await pinner.fetchAll(), 1);
    assert.equal(pinner.pinnedKeys().size, 0);
    await recoveredOnce;
    assert.equal(svc.manifestCalls, 3);
    assert.deepEqual(errors, ['docker.io/library/nginx:1.27', 'docker.io/library/nginx:1.27']);
    assert.ok(pinner.pinnedKeys().has(`hub@${manifest.digest}`));
    assert.equal(pinner.pendingCount(), 0);
    await pinner.stop();
  });

  it('stops retrying when stopped', async () => {
    const svc = service(Infinity);
    const pinner = new Pinner({ projects, service: svc, catalog: Catalog.inMemory(), retryMs: 60_000 });
    assert.equal(await pinner.fetchAll(), 1);
    await pinner.stop();
    assert.equal(svc.manifestCalls, 1);
    assert.equal(pinner.pendingCount(), 1);
  });
});
