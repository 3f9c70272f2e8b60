// The upstream client against a real docker-registry behind a real Bearer token service: a token is fetched once and
// reused while it lasts, and fetched again once it has expired — never sent past its end (the registry would answer
// 401 to every request once it checks the expiry, and a client that ignores it relies on that 401 each time).
// The client's clock is moved instead of waiting out the token's five minutes.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import type { Digest } from '../src/oci/digest.ts';
import type { RepositoryName } from '../src/oci/names.ts';
import { UpstreamClient } from '../src/upstream/client.ts';
import { OciUpstream } from '../src/upstream/oci-upstream.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

const APP = 'private/app' as RepositoryName;
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json';
/** The test bed's token service: Docker Hub's lifetime. */
const TOKEN_LIFETIME_MS = 300_000;

describe('upstream client: Bearer tokens from a real token service @real', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let open: Registry;
  let guarded: Registry;
  let image: Handmade;
  let client: UpstreamClient;
  let upstream: OciUpstream;
  let skew: number;

  before(async () => {
    dir = await tempDir('berth-upstream-auth');
    const dataDir = join(dir.path, 'data');
    // Pushed through a registry without auth into the storage the token-guarded one serves.
    open = await startRegistry({ dataDir });
    image = await pushHandmadeImage(open.url, APP, 'v1', [Buffer.from('a private layer')]);
    guarded = await startRegistry({ dataDir, tokenAuth: true });
    const creds = guarded.credentials!;
    const dockerConfig = join(dir.path, 'config.json');
    await writeFile(dockerConfig, JSON.stringify({ auths: { [guarded.host]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } } }));
    skew = 0;
    client = new UpstreamClient(
      { upstream: guarded.url, registry: 'private.example.test', credentials: { dockerConfigJsonFile: dockerConfig } },
      { now: () => Date.now() + skew },
    );
    upstream = new OciUpstream(client);
  });
  after(async () => {
    await upstream?.close();
    await Promise.all([open?.stop(), guarded?.stop()]);
    await dir?.remove();
  });

  const grants = () => guarded.tokenService!.requests().filter((r) => r.granted).length;

  it('fetches a token once and uses it while it lasts', async () => {
    assert.equal(await upstream.headManifest(APP, 'v1', ACCEPT), image.digest);
    assert.equal(grants(), 1);
    assert.equal((await upstream.getManifest(APP, 'v1', ACCEPT)).digest, image.digest);
    assert.equal(await upstream.headBlob(APP, image.layers[0]! as Digest), Buffer.byteLength('a private layer'));
    assert.equal(grants(), 1, 'the cached token served the later requests');
  });

  it('fetches a new token once the cached one has expired', async () => {
    const before = grants();
    skew += TOKEN_LIFETIME_MS;
    assert.equal(await upstream.headManifest(APP, 'v1', ACCEPT), image.digest);
    assert.equal(grants(), before + 1, 'an expired token is not sent again');
  });

  it('a token of one repository is not used for another (its scope names the repository)', async () => {
    skew = 0;
    const before = grants();
    await assert.rejects(upstream.headManifest('private/other' as RepositoryName, 'v1', ACCEPT), (e: unknown) => (e as { kind?: string }).kind === 'not-found');
    const last = guarded.tokenService!.requests().at(-1)!;
    assert.equal(grants(), before + 1);
    assert.deepEqual(last.scopes, ['repository:private/other:pull']);
  });
});
