// What each kind of soak pull asks for, and what each answer should be:
//   warm, warm-protected, warm-flaky — an image cached before: the content, always. For warm-flaky that holds while
//       its upstream is down too: the proxy serves the stale copy (its tag re-check fails, the stored one stays).
//   cold — an image pushed during the run: the content, fetched for the first time.
//   flaky-fresh — a never-cached image of the flaky upstream: the content while it is up; 502/503
//       UPSTREAM_UNAVAILABLE while it is down (nothing to serve stale); either, or a cut answer, across a change.
//   missing-tag — a tag the repository does not have: 404 MANIFEST_UNKNOWN.
//   missing-repo — a repository the ghost project's upstream does not have: 404 MANIFEST_UNKNOWN or NAME_UNKNOWN for
//       its manifests, 404 BLOB_UNKNOWN for a blob, 404 NAME_UNKNOWN for its tag list.
//   unauthorised — the protected project with no, a wrong or a foreign credential: 401 UNAUTHORIZED with a Basic
//       challenge, and never a byte of the content (no digest header, nothing but the error document).
//   cross-project — a protected image's digests asked for through the anonymous projects: 404, never the bytes the
//       protected project stored or is fetching.
import { randomBytes } from 'node:crypto';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import type { Blob } from '../images/seeded-image.ts';
import { pickAddress } from './addressing.ts';
import { exchange, type Answer } from './exchange.ts';
import { content, ociError, type Expected } from './expected.ts';
import type { PullKind } from './options.ts';
import type { WarmProject } from './pools.ts';
import { authorization, pull, type PullContext } from './pull.ts';
import type { Random } from './random.ts';
import type { SoakImage } from './soak-image.ts';
import type { SoakWorld } from './world.ts';

export interface ClientContext extends PullContext {
  rng: Random;
  world: SoakWorld;
}

const UNAVAILABLE = ociError([502, 503], ['UPSTREAM_UNAVAILABLE']);
const UNAUTHORIZED = ociError([401], ['UNAUTHORIZED'], true);

export async function runPull(kind: PullKind, ctx: ClientContext): Promise<void> {
  switch (kind) {
    case 'warm':
      return void (await warm(ctx, 'hub', kind));
    case 'warm-protected':
      return void (await warm(ctx, 'private', kind));
    case 'warm-flaky':
      return void (await warm(ctx, 'flaky', kind));
    case 'cold':
      return cold(ctx);
    case 'flaky-fresh':
      return flakyFresh(ctx);
    case 'missing-tag':
      return missingTag(ctx);
    case 'missing-repo':
      return missingRepo(ctx);
    case 'unauthorised':
      return unauthorised(ctx);
    case 'cross-project':
      return crossProject(ctx);
  }
}

async function warm(ctx: ClientContext, project: WarmProject, kind: string, image = ctx.rng.pick(ctx.world.pools.warm[project])): Promise<boolean> {
  const outcome = await pull(ctx, image, {
    kind,
    address: pickAddress(ctx.rng, project),
    ...(project === 'private' ? { auth: ctx.world.clientLogin } : {}),
    headFirst: ctx.rng.next() < 0.3,
    byDigest: ctx.rng.next() < 0.3,
  });
  return outcome.complete;
}

async function cold(ctx: ClientContext): Promise<void> {
  const project = ctx.rng.next() < 0.7 ? 'hub' : 'private';
  const image = ctx.world.pools.takeCold(project);
  // The producer fell behind: this round is a warm pull, counted as one.
  if (!image) return void (await warm(ctx, project, project === 'hub' ? 'warm' : 'warm-protected'));
  if (await warm(ctx, project, 'cold', image)) {
    if (!ctx.world.pools.warm[project].includes(image)) ctx.world.pools.addWarm(project, image);
  }
}

async function flakyFresh(ctx: ClientContext): Promise<void> {
  // Half the fresh images are kept for outages: pulled while the upstream is up, they would all be cached by then.
  const pools = ctx.world.pools;
  const image = ctx.world.flaky.timeline.current() === 'down' || pools.freshWaiting() > pools.freshReserve ? pools.takeFresh() : undefined;
  if (!image) return void (await warm(ctx, 'flaky', 'warm-flaky'));
  const timeline = ctx.world.flaky.timeline;
  const states: string[] = [];
  const expect = (blob: Blob, answer: Answer): Expected => {
    const state = timeline.during(answer.startedMs, answer.endedMs);
    states.push(state);
    if (state === 'up') return content(blob.digest, blob.size);
    if (state === 'down') return UNAVAILABLE;
    return { kind: 'either', options: [content(blob.digest, blob.size), UNAVAILABLE], brokenAllowed: true, why: 'the flaky upstream went down or came back meanwhile' };
  };
  const outcome = await pull(ctx, image, { kind: 'flaky-fresh', address: pickAddress(ctx.rng, 'flaky'), expect });
  if (outcome.complete) return ctx.world.pools.addWarm('flaky', image);
  // Refused outright during an outage: the proxy stored nothing, so the image is still fresh. Anything else (a cut
  // answer, a manifest stored but a blob not) leaves it half-cached: it is not used again.
  const untouched = outcome.answers.every((a) => a.status >= 500 && !a.broken) && states.every((s) => s === 'down');
  if (untouched) ctx.world.pools.addFresh(image);
}

async function missingTag(ctx: ClientContext): Promise<void> {
  const project = ctx.rng.next() < 0.75 ? 'hub' : 'private';
  const image = ctx.rng.pick(ctx.world.pools.warm[project]);
  // A few tags asked for again and again (their 404 is remembered for notFoundTTL), and new ones every time.
  const tag = ctx.rng.next() < 0.5 ? `missing-${ctx.rng.below(3)}` : `absent-${ctx.rng.below(2 ** 31).toString(36)}`;
  const method = ctx.rng.next() < 0.3 ? 'HEAD' : 'GET';
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT, ...(project === 'private' ? { authorization: authorization(ctx.world.clientLogin) } : {}) };
  const answer = await exchange(ctx.agent, ctx.base, pickAddress(ctx.rng, project)(image.repo, `manifests/${tag}`), { method, headers });
  ctx.ledger.pullDone('missing-tag', ctx.ledger.check('missing-tag', answer, ociError([404], ['MANIFEST_UNKNOWN'])));
}

async function missingRepo(ctx: ClientContext): Promise<void> {
  const repo = ctx.rng.next() < 0.5 ? `team/absent-${ctx.rng.below(4)}` : `team/gone-${ctx.rng.below(2 ** 31).toString(36)}`;
  const at = pickAddress(ctx.rng, 'ghost');
  const asks: [string, 'GET' | 'HEAD', Expected][] = [
    [at(repo, 'manifests/latest'), 'GET', ociError([404], ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'])],
    [at(repo, 'manifests/latest'), 'HEAD', ociError([404], ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'])],
    [at(repo, `blobs/${randomDigest(ctx.rng)}`), 'GET', ociError([404], ['BLOB_UNKNOWN'])],
    [at(repo, 'tags/list'), 'GET', ociError([404], ['NAME_UNKNOWN'])],
  ];
  const [target, method, expected] = ctx.rng.pick(asks);
  const answer = await exchange(ctx.agent, ctx.base, target, { method, headers: { accept: MANIFEST_ACCEPT } });
  ctx.ledger.pullDone('missing-repo', ctx.ledger.check('missing-repo', answer, expected));
}

async function unauthorised(ctx: ClientContext): Promise<void> {
  const image = protectedImage(ctx);
  const login = ctx.world.clientLogin;
  const credentials: Record<string, string>[] = [
    {},
    { authorization: authorization({ username: login.username, password: randomBytes(9).toString('base64url') }) },
    { authorization: authorization({ username: `x${randomBytes(4).toString('hex')}`, password: login.password }) },
    { authorization: `Bearer ${randomBytes(16).toString('hex')}` },
  ];
  const headers = { ...ctx.rng.pick(credentials), accept: MANIFEST_ACCEPT };
  const at = pickAddress(ctx.rng, 'private');
  const layer = lastBlob(image);
  const asks: [string, 'GET' | 'HEAD'][] = [
    [at(image.repo, `manifests/${image.tag}`), 'GET'],
    [at(image.repo, `manifests/${image.tag}`), 'HEAD'],
    [at(image.repo, `manifests/${image.top.digest}`), 'GET'],
    [at(image.repo, `blobs/${layer.digest}`), 'GET'],
    [at(image.repo, 'tags/list'), 'GET'],
  ];
  let ok = true;
  for (let i = 0; i < 2; i++) {
    const [target, method] = ctx.rng.pick(asks);
    const answer = await exchange(ctx.agent, ctx.base, target, { method, headers });
    if (!ctx.ledger.check('unauthorised', answer, UNAUTHORIZED)) ok = false;
  }
  ctx.ledger.pullDone('unauthorised', ok);
}

async function crossProject(ctx: ClientContext): Promise<void> {
  const image = protectedImage(ctx);
  const at = pickAddress(ctx.rng, ctx.rng.pick(['hub', 'ghost'] as const));
  const layer = lastBlob(image);
  const asks: [string, 'GET' | 'HEAD', Expected][] = [
    [at(image.repo, `blobs/${layer.digest}`), 'GET', ociError([404], ['BLOB_UNKNOWN'])],
    [at(image.repo, `blobs/${layer.digest}`), 'HEAD', ociError([404], ['BLOB_UNKNOWN'])],
    [at(image.repo, `manifests/${image.top.digest}`), 'GET', ociError([404], ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'])],
  ];
  const [target, method, expected] = ctx.rng.pick(asks);
  const answer = await exchange(ctx.agent, ctx.base, target, { method, headers: { accept: MANIFEST_ACCEPT } });
  ctx.ledger.pullDone('cross-project', ctx.ledger.check('cross-project', answer, expected));
}

/** A protected image: often one handed out lately (a cold one may be downloading right now), else a warm one. */
function protectedImage(ctx: ClientContext): SoakImage {
  const recent = ctx.world.pools.recentProtected();
  return recent.length > 0 && ctx.rng.next() < 0.6 ? ctx.rng.pick(recent) : ctx.rng.pick(ctx.world.pools.warm.private);
}

function lastBlob(image: SoakImage): Blob {
  return image.blobs[image.blobs.length - 1]!;
}

function randomDigest(rng: Random): string {
  return `sha256:${Array.from({ length: 64 }, () => rng.below(16).toString(16)).join('')}`;
}
