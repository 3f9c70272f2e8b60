// Berth's own images, as `./dev images` builds them (buildah, bases made from Debian's archive and the npm
// registry): pushed to a docker-registry on loopback, pulled by a private containerd and run by runc the way a
// node runs them — uid 65532, read-only root filesystem, a tmpfs for the cache, host network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBerthImages, pushBerthImages, type BerthImages, type PushedImages } from '../src/images/berth-images.ts';
import { freePort, run, startContainerd, startRegistry, tempDir, waitFor, type Containerd, type Registry, type TempDir } from '../src/index.ts';

interface ImageConfig {
  config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; ExposedPorts?: Record<string, unknown> };
  rootfs: { diff_ids: string[] };
}
interface Manifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

const MB = 1_000_000;
const exec = promisify(execFile);

describe('Berth images @real', function () {
  // A first build on 2 cores takes minutes; with buildah's layer cache and the cached bases, seconds.
  this.timeout(30 * 60_000);

  let registry: Registry;
  let containerd: Containerd;
  let dir: TempDir;
  let local: BerthImages;
  let pushed: PushedImages;
  const inspect = async <T>(ref: string, what: '--config' | '--raw'): Promise<T> =>
    JSON.parse(await run('skopeo', ['inspect', what, '--tls-verify=false', `docker://${ref}`])) as T;

  before(async () => {
    [registry, containerd, dir, local] = await Promise.all([startRegistry(), startContainerd(), tempDir('berth-img'), ensureBerthImages()]);
    pushed = await pushBerthImages(registry.host);
    for (const ref of [pushed.proxy, pushed.operator]) await containerd.ctr(['images', 'pull', '--plain-http', ref]);
  });
  after(async () => {
    await containerd?.stop();
    await registry?.stop();
    await dir?.remove();
  });

  /** `ctr run` with runc's state and the IO fifos under the test's own dir, not in /run/containerd. */
  const ctrRun = (flags: string[], ref: string, id: string, argv: string[]) =>
    containerd.ctr(['run', '--runc-root', join(dir.path, 'runc'), '--fifo-dir', join(dir.path, 'fifo'), '--read-only', ...flags, ref, id, ...argv]);

  it('tags both images with the chart appVersion and pushes what was built', async () => {
    const chart = await readFile(join(import.meta.dirname, '..', '..', 'charts', 'berth', 'Chart.yaml'), 'utf8');
    const appVersion = /^appVersion: "?([^"\n]+)"?$/m.exec(chart)?.[1];
    assert.equal(pushed.proxy, `${registry.host}/berth-dev/berth-proxy:${appVersion}`);
    assert.equal(pushed.operator, `${registry.host}/berth-dev/berth-operator:${appVersion}`);
    for (const name of ['proxy', 'operator'] as const) {
      const manifest = await inspect<Manifest>(`${registry.host}/berth-dev/berth-${name}@${pushed.digests[name]}`, '--raw');
      // The image ID is the digest of the config: the pushed manifest names the config that was built.
      assert.equal(manifest.config.digest, local.ids[name]);
    }
  });

  for (const [name, entrypoint, cmd, maxMb] of [
    ['proxy', ['node', '--initial-old-space-size=48', '/app/bin/berth-proxy'], ['serve', '--config', '/etc/berth/config.yaml'], 70],
    ['operator', ['node', '/app/bin/berth-operator'], undefined, 75],
  ] as const) {
    it(`berth-${name}: runs as 65532:65532, starts node directly, stays small`, async () => {
      const ref = pushed[name];
      const { config, rootfs } = await inspect<ImageConfig>(ref, '--config');
      assert.equal(config.User, '65532:65532');
      assert.deepEqual(config.Entrypoint, entrypoint);
      assert.deepEqual(config.Cmd, cmd);
      assert.ok(config.Env?.includes('NODE_ENV=production'));
      assert.ok(!config.Env?.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS')), 'the build-only CA argument stays in the build stage');
      const manifest = await inspect<Manifest>(ref, '--raw');
      assert.equal(manifest.layers.length, rootfs.diff_ids.length);
      const compressed = manifest.layers.reduce((sum, l) => sum + l.size, 0);
      assert.ok(compressed < maxMb * MB, `${(compressed / MB).toFixed(1)} MB compressed, more than ${maxMb} MB`);
    });
  }

  it('berth-proxy serves /v2/ and pulls through, as 65532 on a read-only root filesystem', async () => {
    const port = await freePort();
    const id = 'berth-proxy-image-test';
    await mkdir(join(dir.path, 'log'), { recursive: true });
    const logFile = join(dir.path, 'log', 'proxy.log');
    await ctrRun(
      ['-d', '--net-host', '--log-uri', `file://${logFile}`,
        '--mount', 'type=tmpfs,src=tmpfs,dst=/var/lib/berth,options=nosuid:nodev:mode=1777'],
      pushed.proxy, id,
      ['node', '/app/bin/berth-proxy', 'serve', '--listen', `127.0.0.1:${port}`, '--storage', '/var/lib/berth',
        '--upstream', `${registry.host}=${registry.url}`],
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${url}/v2/`).catch(() => undefined))?.status === 200, {
        what: `berth-proxy in a container on ${url}`,
        timeoutMs: 60_000,
      }).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await readFile(logFile, 'utf8').catch(() => '')}`);
      });
      // Through the containerized proxy, from the registry: its own manifest, by the digest skopeo pushed.
      const res = await fetch(`${url}/v2/berth-dev/berth-proxy/manifests/${pushed.digests.proxy}?ns=${registry.host}`, {
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('docker-content-digest'), pushed.digests.proxy);
      // The process runs as the image's USER; nothing but the tmpfs is writable.
      const ps = await containerd.ctr(['task', 'ps', id]);
      const pid = /^\s*(\d+)/m.exec(ps.split('\n').slice(1).join('\n'))?.[1];
      assert.ok(pid, ps);
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
      assert.match(status, /^Gid:\s+65532\s+65532\s+65532\s+65532$/m);
      const mounts = await readFile(`/proc/${pid}/mounts`, 'utf8');
      assert.match(mounts.split('\n').find((m) => m.split(' ')[1] === '/') ?? '', /\sro[\s,]/);
      // The allocator the image preloads (proxy/Dockerfile) is mapped: a missing one would only be a warning.
      assert.match(await readFile(`/proc/${pid}/maps`, 'utf8'), /\/app\/lib\/libjemalloc\.so\.2$/m);
      assert.doesNotMatch(await readFile(logFile, 'utf8').catch(() => ''), /cannot be preloaded/);
    } finally {
      await containerd.ctr(['task', 'kill', '--signal', 'SIGKILL', id]).catch(() => undefined);
      await waitFor(async () => !(await containerd.ctr(['task', 'ls'])).includes(id) || (await containerd.ctr(['task', 'delete', id]).then(() => true, () => false)), {
        what: `task ${id} gone`,
        timeoutMs: 20_000,
      }).catch(() => undefined);
      await containerd.ctr(['containers', 'delete', id]).catch(() => undefined);
    }
  });

  it('berth-operator prints its usage and exits 0', async () => {
    // --help is an answer: the usage goes to stdout; ctr passes the container's stdio and exit status through.
    const { stdout } = await exec('ctr', [
      '--address', containerd.address, '-n', 'berth', 'run', '--rm', '--runc-root', join(dir.path, 'runc'), '--fifo-dir', join(dir.path, 'fifo'),
      '--read-only', pushed.operator, 'berth-operator-image-test', 'node', '/app/bin/berth-operator', '--help',
    ]);
    assert.match(stdout, /^usage: berth-operator /m);
  });
});
