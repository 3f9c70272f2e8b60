// When an upstream was up, down, or between the two: an answer is judged by the state over the whole time it was
// asked and given. A request that saw only `down` must fail the way an outage fails; one that saw a change may
// succeed or fail.

export type UpstreamState = 'up' | 'down' | 'changing';

export class Timeline {
  /** State changes in time order (performance.now() ms); the upstream is up until the first. */
  private readonly changes: { atMs: number; state: UpstreamState }[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  mark(state: UpstreamState): void {
    this.changes.push({ atMs: this.now(), state });
  }

  current(): UpstreamState {
    return this.changes[this.changes.length - 1]?.state ?? 'up';
  }

  /** The one state during [startMs, endMs], or `changing` when it was not one state throughout. */
  during(startMs: number, endMs: number): UpstreamState {
    let state: UpstreamState = 'up';
    const seen = new Set<UpstreamState>();
    for (const change of this.changes) {
      if (change.atMs > endMs) break;
      if (change.atMs <= startMs) state = change.state;
      else seen.add(change.state);
    }
    seen.add(state);
    return seen.size === 1 ? state : 'changing';
  }
}
