// What an answer should have been, and the check of an answer against it. Every request a soak client sends is
// classified here: an answer that is not what it should have been is a failure, whatever its status.
import type { Answer } from './exchange.ts';

export type Expected =
  /** 200 with exactly these bytes (for HEAD: 200 with their digest and length, no body). */
  | { kind: 'content'; digest: string; size?: number }
  /** An OCI error: one of these statuses, and (for GET) a body whose first error code is one of `codes`. */
  | { kind: 'error'; statuses: readonly number[]; codes: readonly string[]; challenge?: boolean }
  /** Either of several answers: the upstream changed state while this request was served. */
  | { kind: 'either'; options: readonly Expected[]; brokenAllowed: boolean; why: string };

export function content(digest: string, size?: number): Expected {
  return size === undefined ? { kind: 'content', digest } : { kind: 'content', digest, size };
}

export function ociError(statuses: readonly number[], codes: readonly string[], challenge = false): Expected {
  return { kind: 'error', statuses, codes, ...(challenge ? { challenge } : {}) };
}

/** The first error code of an OCI error body, if the body is one. */
export function errorCode(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    const code = doc.errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** The answer in a few words, for the failure list: `404 MANIFEST_UNKNOWN`, `200 sha256:1234…`, `broken: …`. */
export function describeAnswer(answer: Answer): string {
  if (answer.status === 0) return `no answer (${answer.broken ?? 'unknown'})`;
  const broken = answer.broken ? `, then broken (${answer.broken})` : '';
  if (answer.status >= 400) return `${answer.status} ${errorCode(answer.head) ?? 'without an OCI error body'}${broken}`;
  if (answer.method === 'HEAD') return `${answer.status} digest ${short(String(answer.headers['docker-content-digest'] ?? 'none'))}${broken}`;
  return `${answer.status} ${answer.bytes} bytes ${short(answer.digest)}${broken}`;
}

export function describeExpected(expected: Expected): string {
  switch (expected.kind) {
    case 'content':
      return `200 ${expected.size ?? '?'} bytes ${short(expected.digest)}`;
    case 'error':
      return `${expected.statuses.join('/')} ${expected.codes.join('|')}${expected.challenge ? ' with a challenge' : ''}`;
    case 'either':
      return `${expected.options.map(describeExpected).join(' or ')}${expected.brokenAllowed ? ' or a broken answer' : ''} (${expected.why})`;
  }
}

/** undefined when the answer is what was expected; otherwise what is wrong with it. */
export function mismatch(answer: Answer, expected: Expected): string | undefined {
  switch (expected.kind) {
    case 'content':
      return contentMismatch(answer, expected);
    case 'error':
      return errorMismatch(answer, expected);
    case 'either': {
      if (answer.broken && expected.brokenAllowed) return undefined;
      const reasons = expected.options.map((o) => mismatch(answer, o));
      return reasons.some((r) => r === undefined) ? undefined : reasons.join('; and ');
    }
  }
}

function contentMismatch(answer: Answer, expected: Extract<Expected, { kind: 'content' }>): string | undefined {
  if (answer.broken) return `broken: ${answer.broken}`;
  if (answer.status !== 200) return `status ${answer.status}, not 200`;
  const claimed = answer.headers['docker-content-digest'];
  if (claimed !== undefined && claimed !== expected.digest) return `Docker-Content-Digest ${String(claimed)}, not ${expected.digest}`;
  if (answer.method === 'HEAD') {
    if (claimed === undefined) return 'no Docker-Content-Digest on a HEAD';
    const length = Number(answer.headers['content-length']);
    if (expected.size !== undefined && length !== expected.size) return `Content-Length ${length}, not ${expected.size}`;
    return answer.bytes === 0 ? undefined : `a HEAD answered with ${answer.bytes} body bytes`;
  }
  if (answer.digest !== expected.digest) return `body digest ${answer.digest}, not ${expected.digest}`;
  if (expected.size !== undefined && answer.bytes !== expected.size) return `${answer.bytes} bytes, not ${expected.size}`;
  return undefined;
}

function errorMismatch(answer: Answer, expected: Extract<Expected, { kind: 'error' }>): string | undefined {
  if (answer.status === 0) return `no answer (${answer.broken})`;
  if (!expected.statuses.includes(answer.status)) return `status ${answer.status}, not ${expected.statuses.join('/')}`;
  // An error must carry nothing of the content it refuses: no digest header, no body but the error document.
  if (answer.headers['docker-content-digest'] !== undefined) return 'an error answer carries Docker-Content-Digest';
  if (expected.challenge && !/^basic /i.test(String(answer.headers['www-authenticate'] ?? ''))) return 'no Basic challenge (WWW-Authenticate)';
  if (answer.method === 'HEAD') return answer.bytes === 0 ? undefined : `a HEAD answered with ${answer.bytes} body bytes`;
  if (answer.broken) return `broken: ${answer.broken}`;
  const code = errorCode(answer.head);
  if (answer.bytes > answer.head.byteLength || code === undefined) return `the body is not an OCI error document (${answer.bytes} bytes)`;
  return expected.codes.includes(code) ? undefined : `code ${code}, not ${expected.codes.join('|')}`;
}

function short(digest: string): string {
  return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}
