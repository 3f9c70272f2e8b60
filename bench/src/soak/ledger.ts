// The soak's account of every answer: counts per kind of pull, a running count the sampler reads per interval, and
// the unexpected answers (grouped, with the first few in full) listed at the end.
import type { Answer } from './exchange.ts';
import { describeAnswer, describeExpected, errorCode, mismatch, type Expected } from './expected.ts';

export interface KindTally {
  pulls: number;
  /** Pulls with at least one unexpected answer. */
  failedPulls: number;
  requests: number;
  unexpected: number;
  /** Expected answers by what they were: `200`, `404 MANIFEST_UNKNOWN`, `401 UNAUTHORIZED`, `502 …`, `broken`. */
  answers: Record<string, number>;
}

export interface Failure {
  /** Seconds since the soak started. */
  t: number;
  kind: string;
  request: string;
  expected: string;
  got: string;
  why: string;
}

export interface FailureGroup {
  /** kind, method and what came back, e.g. `warm GET 502 UPSTREAM_UNAVAILABLE`. */
  key: string;
  count: number;
  examples: Failure[];
}

const EXAMPLES_PER_GROUP = 3;

export class Ledger {
  requests = 0;
  unexpected = 0;
  bytes = 0;
  readonly kinds = new Map<string, KindTally>();
  private readonly groups = new Map<string, FailureGroup>();

  constructor(private readonly startedMs: number) {}

  private tally(kind: string): KindTally {
    let t = this.kinds.get(kind);
    if (!t) this.kinds.set(kind, (t = { pulls: 0, failedPulls: 0, requests: 0, unexpected: 0, answers: {} }));
    return t;
  }

  /** Checks one answer against what it should have been; true when it was. */
  check(kind: string, answer: Answer, expected: Expected): boolean {
    const tally = this.tally(kind);
    this.requests++;
    this.bytes += answer.bytes;
    tally.requests++;
    const why = mismatch(answer, expected);
    if (why === undefined) {
      const what = answer.broken ? 'broken' : answer.status < 400 ? String(answer.status) : answer.method === 'HEAD' ? `${answer.status} (HEAD)` : `${answer.status} ${errorCode(answer.head)}`;
      tally.answers[what] = (tally.answers[what] ?? 0) + 1;
      return true;
    }
    this.unexpected++;
    tally.unexpected++;
    const got = describeAnswer(answer);
    const key = `${kind} ${answer.method} ${answer.status === 0 ? 'no answer' : answer.broken ? `${answer.status} broken` : `${answer.status} ${errorCode(answer.head) ?? ''}`.trim()}`;
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { key, count: 0, examples: [] }));
    group.count++;
    if (group.examples.length < EXAMPLES_PER_GROUP) {
      group.examples.push({
        t: Math.round((answer.startedMs - this.startedMs) / 100) / 10,
        kind, request: `${answer.method} ${answer.target}`, expected: describeExpected(expected), got, why,
      });
    }
    return false;
  }

  pullDone(kind: string, ok: boolean): void {
    const tally = this.tally(kind);
    tally.pulls++;
    if (!ok) tally.failedPulls++;
  }

  failures(): FailureGroup[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count);
  }
}
