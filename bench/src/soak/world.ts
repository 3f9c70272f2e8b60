// The soak's real parts: three upstream docker-registries and one Berth proxy with four projects —
//   hub      docker.io, the default, anonymous, upstream A;
//   private  private.soak.test, htpasswd-protected for clients, upstream B wants the proxy's own Basic credentials;
//   flaky    flaky.soak.test, upstream C, which the soak stops and starts again (tagTTL 5s: tags are re-checked
//            against it often, so outages are felt);
//   ghost    ghost.soak.test, upstream A, whose clients ask for repositories that do not exist (notFoundTTL 2s).
// The seeded images are pulled through the proxy once before the soak starts, so they are warm.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { htpasswdLine, startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import type { ProjectConfig } from '@berth/contracts/proxy-config';
import type { BasicAuth } from '../images/registry-client.ts';
import { startBerth } from '../peers/berth.ts';
import type { Peer } from '../peers/peer.ts';
import { Pools, type WarmProject } from './pools.ts';
import { startRestartableUpstream, type RestartableUpstream } from './restartable-upstream.ts';
import { pushRandomImage, type PushTarget, type SoakImage } from './soak-image.ts';
import type { SoakSizes } from './sizes.ts';

export type ProjectName = 'hub' | 'private' | 'flaky' | 'ghost';

/** How clients name each project: its registry host (path prefix or `?ns=`). */
export const REGISTRY_OF: Record<ProjectName, string> = {
  hub: 'docker.io', private: 'private.soak.test', flaky: 'flaky.soak.test', ghost: 'ghost.soak.test',
};

export interface SoakWorld {
  proxy: Peer;
  /** Where the soak pushes images for each project. */
  targets: Record<'hub' | 'private' | 'flaky', PushTarget>;
  flaky: RestartableUpstream;
  /** What the private project's clients log in with. */
  clientLogin: BasicAuth;
  pools: Pools;
  stop(): Promise<void>;
}

export interface WorldOptions {
  sizes: SoakSizes;
  fromSource: boolean;
  log: (line: string) => void;
}

export async function startWorld(opts: WorldOptions): Promise<SoakWorld> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: Error) => opts.log(`cleanup: ${err.message}`));
  };
  try {
    const upstreamLogin = { username: 'berth-proxy', password: randomBytes(12).toString('hex') };
    const clientLogin = { username: 'puller', password: randomBytes(12).toString('hex') };
    const a: Registry = await startRegistry();
    stops.push(() => a.stop());
    const b: Registry = await startRegistry({ htpasswd: upstreamLogin });
    stops.push(() => b.stop());
    const flaky = await startRestartableUpstream();
    stops.push(() => flaky.dispose());
    const secrets: TempDir = await tempDir('berth-soak-secrets');
    stops.push(() => secrets.remove());
    const file = async (name: string, text: string) => {
      const path = join(secrets.path, name);
      await writeFile(path, text, { mode: 0o600 });
      return path;
    };
    const projects: ProjectConfig[] = [
      { name: 'hub', registry: REGISTRY_OF.hub, upstream: a.url, default: true, tagTTL: '30s' },
      {
        name: 'private', registry: REGISTRY_OF.private, upstream: b.url,
        credentials: { usernameFile: await file('username', upstreamLogin.username), passwordFile: await file('password', upstreamLogin.password) },
        access: { htpasswdFile: await file('htpasswd', htpasswdLine(clientLogin.username, clientLogin.password)) },
      },
      { name: 'flaky', registry: REGISTRY_OF.flaky, upstream: flaky.url, tagTTL: '5s' },
      { name: 'ghost', registry: REGISTRY_OF.ghost, upstream: a.url, notFoundTTL: '2s' },
    ];
    const proxy = await startBerth({ upstreamUrl: a.url, projects, fromSource: opts.fromSource });
    stops.push(() => proxy.stop());
    const targets = { hub: { url: a.url }, private: { url: b.url, auth: upstreamLogin }, flaky: { url: flaky.url } };

    const pools = new Pools(Math.ceil(opts.sizes.freshAtStart / 2));
    opts.log('seeding the upstreams');
    for (const project of ['hub', 'private', 'flaky'] as const) {
      for (const [i, layers] of opts.sizes.warm[project].entries()) {
        const image = await pushRandomImage(targets[project], `soak/warm-${i}`, 'v1', layers, project === 'hub' && i === 0);
        await warmUp(proxy.url, project, image, clientLogin);
        pools.addWarm(project, image);
      }
    }
    for (let i = 0; i < opts.sizes.freshAtStart; i++) {
      pools.addFresh(await pushRandomImage(targets.flaky, `soak/fresh-${i % 8}`, `seed-${i}`, opts.sizes.fresh));
    }
    return { proxy, targets, flaky, clientLogin, pools, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One plain pull through the proxy, so the image is cached before the soak; any failure ends the soak early. */
async function warmUp(proxyUrl: string, project: WarmProject, image: SoakImage, login: BasicAuth): Promise<void> {
  const headers: Record<string, string> = {
    accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json',
    ...(project === 'private' ? { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` } : {}),
  };
  const base = `${proxyUrl}/v2/${REGISTRY_OF[project]}/${image.repo}`;
  const paths = [`${base}/manifests/${image.tag}`, ...(image.platform ? [`${base}/manifests/${image.platform.digest}`] : []), ...image.blobs.map((b) => `${base}/blobs/${b.digest}`)];
  for (const url of paths) {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`warming ${project} ${image.repo}:${image.tag}: GET ${new URL(url).pathname} answered ${res.status}`);
  }
}

