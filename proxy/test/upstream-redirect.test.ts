// A registry that keeps blobs in S3 answers blob GETs with a redirect to a presigned URL of the storage — another
// origin, as Docker Hub's CDN. The proxy follows it without the registry's Bearer token: a presigned URL carries its
// own authority, and a token sent along leaks to whoever runs the storage or CDN (the storage here would not even
// refuse it, so the test listens on the way: the registry's storage endpoint is a recorder in front of the server).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startRegistry, startVersitygw, tempDir, type Registry, type S3Server, type TempDir } from '@berth/e2e';
import { fetchAll, proxyWith, sha256, type ProxyUnderTest } from './fixture.ts';
import { pushHandmadeImage, type Handmade } from './handmade.ts';

interface StorageRequest {
  path: string;
  presigned: boolean;
  authorization: string | undefined;
}

/**
 * Forwards every request to `target` as it came, Host header included (presigned URLs are signed for the host the
 * registry was told), and records it.
 */
async function startRecorder(target: string): Promise<{ url: string; seen: StorageRequest[]; server: Server }> {
  const to = new URL(target);
  const seen: StorageRequest[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, presigned: path.includes('X-Amz-Signature='), authorization: req.headers.authorization });
    const forwarded = request({ host: to.hostname, port: to.port, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', (err) => res.destroy(err));
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('proxy: an upstream that redirects blobs to its storage @real', function () {
  this.timeout(120_000);
  let s3: S3Server;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let open: Registry;
  let guarded: Registry;
  let image: Handmade;
  let cache: ProxyUnderTest;
  let secrets: TempDir;
  const layer = Buffer.from('a layer kept in S3 '.repeat(1000));

  before(async () => {
    s3 = await startVersitygw();
    await s3.createBucket('registry');
    recorder = await startRecorder(s3.endpoint);
    const keys = { accessKeyId: (await readFile(s3.accessKeyIdFile, 'utf8')).trim(), secretAccessKey: (await readFile(s3.secretAccessKeyFile, 'utf8')).trim() };
    const storage = { endpoint: recorder.url, region: s3.region, bucket: 'registry', ...keys };
    // Pushed through an open registry into the bucket the token-guarded one serves.
    open = await startRegistry({ s3: storage });
    image = await pushHandmadeImage(open.url, 'private/app', 'v1', [layer]);
    guarded = await startRegistry({ s3: storage, tokenAuth: true });
    secrets = await tempDir('berth-redirect-secrets');
    const usernameFile = join(secrets.path, 'username');
    const passwordFile = join(secrets.path, 'password');
    await writeFile(usernameFile, guarded.credentials!.username);
    await writeFile(passwordFile, guarded.credentials!.password);
    cache = await proxyWith([{ name: 'guarded', registry: 'guarded.example.test', upstream: guarded.url, credentials: { usernameFile, passwordFile } }]);
  });
  after(async () => {
    await cache?.dispose();
    await Promise.all([open?.stop(), guarded?.stop()]);
    recorder?.server.closeAllConnections();
    await new Promise((resolve) => recorder?.server.close(resolve));
    await s3?.stop();
    await secrets?.remove();
  });

  it('the registry redirects a blob GET to the storage, another origin', async () => {
    const res = await fetch(`${open.url}/v2/private/app/blobs/${image.layers[0]}`, { redirect: 'manual' });
    await res.body?.cancel();
    assert.equal(res.status, 307);
    assert.equal(new URL(res.headers.get('location')!).origin, recorder.url);
  });

  it('a blob pulled through the proxy comes from the storage, and the storage never sees the registry\'s token', async () => {
    const before = recorder.seen.length;
    const blob = await fetchAll(`${cache.proxy.url}/v2/guarded.example.test/private/app/blobs/${image.layers[0]}`);
    assert.equal(blob.status, 200);
    assert.equal(sha256(blob.body!), image.layers[0]);
    const presigned = recorder.seen.slice(before).filter((r) => r.presigned);
    assert.equal(presigned.length, 1, 'the blob came by the presigned URL');
    assert.deepEqual(presigned.map((r) => r.authorization), [undefined]);
    assert.ok(guarded.tokenService!.requests().some((r) => r.granted), 'the registry itself was asked with a token');
  });
});
