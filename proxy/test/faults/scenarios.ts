// The fault matrix of issue 13 as a table: each fault the faulty upstream injects × each kind of read a client
// makes, and what the client must see. The test runs every cell against the real proxy and asserts this table;
// docs/reliability.md shows it (the test checks that too).
import type { Fault, PathKind } from '@berth/e2e';

/** `cold blob, last byte`: `Range: bytes=-1`, as containerd resumes a download that broke just before its end. */
export const TARGETS = ['cold blob', 'cold blob, last byte', 'warm blob', 'tag', 'tag, cached', 'digest', 'tags list'] as const;
export type Target = (typeof TARGETS)[number];

/** The upstream request kind a target's fault is put on. */
export const FAULTED_KIND: Record<Target, PathKind> = {
  'cold blob': 'blob', 'cold blob, last byte': 'blob', 'warm blob': 'blob', tag: 'manifest-by-tag', 'tag, cached': 'manifest-by-tag', digest: 'manifest-by-digest', 'tags list': 'tags-list',
};

/**
 * What the client sees: `ok` (200, the right bytes), `stale` (200, the right bytes from the cache although the
 * upstream failed), `broken` (200, then the connection breaks before the last byte: never a clean end of wrong
 * bytes), or the status and OCI code of an error answer.
 */
export type Outcome = 'ok' | 'stale' | 'broken' | `${number} ${string}`;

export interface Scenario {
  name: string;
  fault: Fault;
  /** What stalls, and so which timeout bounds the client's wait. */
  stalls?: 'headers' | 'body';
  /** Upstream requests of the faulted kind for one client request, where the timing does not decide it. */
  asks?: number;
  expected: Record<Target, Outcome>;
  /**
   * containerd with only its first blob GET faulted. `pulls`: the proxy's retry, containerd's resume (a Range
   * request after a broken body) or its next host absorbs the fault. `refuses or pulls`: the bytes it resumed onto
   * were wrong, so its own digest check refuses the blob ("unexpected commit digest"), unless its next host got in
   * first; either way no corrupt image.
   */
  containerdOnce: 'pulls' | 'refuses or pulls';
}

const U502 = '502 UPSTREAM_UNAVAILABLE';
const U503 = '503 UPSTREAM_UNAVAILABLE';

/** Cold reads fail as `error`; warm and cached ones do not notice. */
function failsCold(error: Outcome): Record<Target, Outcome> {
  return { 'cold blob': error, 'cold blob, last byte': error, 'warm blob': 'ok', tag: error, 'tag, cached': 'stale', digest: error, 'tags list': error };
}

/**
 * Body faults: a tag first seen is fetched with a GET, whose body breaks as a manifest by digest does; a cached tag
 * is checked with a HEAD (no body to break), the manifest then fetched by digest. The last byte of a blob waits for
 * its verification, which fails: that range gets an error status, not a byte.
 */
function breaksBodies(manifest: Outcome): Record<Target, Outcome> {
  return { 'cold blob': 'broken', 'cold blob, last byte': U502, 'warm blob': 'ok', tag: manifest, 'tag, cached': 'ok', digest: manifest, 'tags list': U502 };
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'reset', fault: { kind: 'reset' }, asks: 4, expected: failsCold(U502), containerdOnce: 'pulls' },
  {
    name: 'stall before headers', fault: { kind: 'stall-headers' }, stalls: 'headers',
    expected: failsCold(U502), containerdOnce: 'pulls',
  },
  {
    name: 'stall mid-body', fault: { kind: 'stall-body' }, stalls: 'body', asks: 1,
    expected: breaksBodies(U502), containerdOnce: 'pulls',
  },
  {
    name: 'wrong bytes', fault: { kind: 'wrong-bytes' }, asks: 1,
    expected: breaksBodies('502 MANIFEST_INVALID'), containerdOnce: 'refuses or pulls',
  },
  { name: 'short body', fault: { kind: 'short-body' }, asks: 1, expected: breaksBodies(U502), containerdOnce: 'pulls' },
  { name: '500', fault: { kind: 'status', status: 500 }, asks: 1, expected: failsCold(U502), containerdOnce: 'pulls' },
  { name: '503', fault: { kind: 'status', status: 503 }, asks: 4, expected: failsCold(U503), containerdOnce: 'pulls' },
  {
    name: '429', fault: { kind: 'status', status: 429, retryAfter: '7' }, asks: 1,
    expected: failsCold('429 TOOMANYREQUESTS'), containerdOnce: 'pulls',
  },
  {
    name: 'redirect loop (self)', fault: { kind: 'redirect-loop', via: 'self' }, asks: 6,
    expected: failsCold(U502), containerdOnce: 'pulls',
  },
  {
    name: 'redirect loop (two URLs)', fault: { kind: 'redirect-loop', via: 'two-urls' }, asks: 6,
    expected: failsCold(U502), containerdOnce: 'pulls',
  },
];

/** Which timeout bounds a cell's wait; `retries`: the backoff between attempts (0.2 + 0.4 + 0.8 s). */
export type WaitBound = 'at once' | 'retries' | 'deadline' | 'body timeout';

export function waitBound(s: Scenario, target: Target): WaitBound {
  if (target === 'warm blob') return 'at once';
  if (s.stalls === 'headers') return 'deadline';
  // A body stall holds only reads whose body is fetched with the faulted request (a cached tag's HEAD has none).
  if (s.stalls === 'body') return target === 'tag, cached' ? 'at once' : 'body timeout';
  return (s.asks ?? 1) > 1 && s.fault.kind !== 'redirect-loop' ? 'retries' : 'at once';
}

/** Upstream requests of the faulted kind the cell expects, or undefined where timing decides. */
export function expectedAsks(s: Scenario, target: Target): number | undefined {
  if (target === 'warm blob') return 0;
  // A range needs the size first: a HEAD, which a body fault leaves alone, then the GET.
  if (target === 'cold blob, last byte' && s.stalls !== 'headers' && s.expected['cold blob'] === 'broken') return 2;
  return s.asks;
}

/** What the store holds after the cell: the read's artifact, verified, exactly when the client got it. */
export function expectStored(outcome: Outcome, target: Target): 'yes' | 'no' | '—' {
  if (target === 'tags list') return '—';
  return outcome === 'ok' || outcome === 'stale' ? 'yes' : 'no';
}
