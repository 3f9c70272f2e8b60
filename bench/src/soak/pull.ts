// One image pull as a node makes it: (HEAD the tag,) GET the manifest by tag or digest, the platform manifest when
// the tag names an index, then every blob (up to three at once, on the client's agent). Each answer is checked
// against what it should have been; the pull goes on past a manifest only when it was the content.
import type { Agent } from 'node:http';
import type { BasicAuth } from '../images/registry-client.ts';
import { MANIFEST_ACCEPT } from '../images/registry-client.ts';
import type { Blob } from '../images/seeded-image.ts';
import type { Address } from './addressing.ts';
import { exchange, type Answer } from './exchange.ts';
import { content, type Expected } from './expected.ts';
import type { Ledger } from './ledger.ts';
import type { SoakImage } from './soak-image.ts';

export interface PullContext {
  agent: Agent;
  base: URL;
  ledger: Ledger;
}

export interface PullOptions {
  /** The ledger's name for this kind of pull. */
  kind: string;
  address: Address;
  auth?: BasicAuth;
  headFirst?: boolean;
  byDigest?: boolean;
  /** What each answer should be; default: the blob's content. */
  expect?: (blob: Blob, answer: Answer) => Expected;
}

export interface PullOutcome {
  /** Every answer was what it should have been. */
  ok: boolean;
  /** Every object came back as its content: the image is cached now. */
  complete: boolean;
  answers: Answer[];
}

export function authorization(auth: BasicAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

export async function pull(ctx: PullContext, image: SoakImage, opts: PullOptions): Promise<PullOutcome> {
  const answers: Answer[] = [];
  let ok = true;
  const auth: Record<string, string> = opts.auth ? { authorization: authorization(opts.auth) } : {};
  const ask = async (suffix: string, blob: Blob, method: 'GET' | 'HEAD' = 'GET', manifest = false): Promise<boolean> => {
    const headers = manifest ? { ...auth, accept: MANIFEST_ACCEPT } : auth;
    const answer = await exchange(ctx.agent, ctx.base, opts.address(image.repo, suffix), { method, headers });
    answers.push(answer);
    const expected = opts.expect?.(blob, answer) ?? content(blob.digest, blob.size);
    if (!ctx.ledger.check(opts.kind, answer, expected)) ok = false;
    return answer.status === 200 && !answer.broken;
  };
  const done = (complete: boolean): PullOutcome => {
    const outcome = { ok, complete: ok && complete, answers };
    ctx.ledger.pullDone(opts.kind, ok);
    return outcome;
  };
  if (opts.headFirst && !(await ask(`manifests/${image.tag}`, image.top, 'HEAD', true))) return done(false);
  if (!(await ask(`manifests/${opts.byDigest ? image.top.digest : image.tag}`, image.top, 'GET', true))) return done(false);
  if (image.platform && !(await ask(`manifests/${image.platform.digest}`, image.platform, 'GET', true))) return done(false);
  const blobs = await Promise.all(image.blobs.map((b) => ask(`blobs/${b.digest}`, b)));
  return done(blobs.every(Boolean));
}
