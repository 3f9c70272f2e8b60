// The images soak clients pull, by what a pull of each should find in the cache:
//   warm  — cached before (seeded and warmed, or a cold pull that completed): every answer is the content;
//   cold  — pushed upstream during the run and not asked for yet: the first pull is a first fetch (an image may be
//           handed to two or three clients at once, whose misses the proxy should share);
//   fresh — on the flaky upstream, never asked for: what a pull of it gets depends on whether that upstream is up.
import type { SoakImage } from './soak-image.ts';

export type WarmProject = 'hub' | 'private' | 'flaky';
export type ColdProject = 'hub' | 'private';

interface ColdEntry {
  image: SoakImage;
  /** Clients it is still to be handed to. */
  left: number;
}

export class Pools {
  readonly warm: Record<WarmProject, SoakImage[]> = { hub: [], private: [], flaky: [] };
  private readonly cold: Record<ColdProject, ColdEntry[]> = { hub: [], private: [] };
  private readonly fresh: SoakImage[] = [];
  /** Fresh images handed out only while the flaky upstream is down. */
  readonly freshReserve: number;
  /** Protected images handed out lately, cold ones included (their blobs may be in flight): for access checks. */
  private readonly recentPrivate: SoakImage[] = [];
  private demand: (() => void) | undefined;

  constructor(freshReserve: number) {
    this.freshReserve = freshReserve;
  }

  addWarm(project: WarmProject, image: SoakImage): void {
    this.warm[project].push(image);
    if (project === 'private') this.notePrivate(image);
  }

  addCold(project: ColdProject, image: SoakImage, shares: number): void {
    this.cold[project].push({ image, left: Math.max(1, shares) });
  }

  /** The oldest cold image still to hand out, or undefined when the producer is behind. */
  takeCold(project: ColdProject): SoakImage | undefined {
    const entry = this.cold[project][0];
    if (!entry) return undefined;
    if (--entry.left === 0) this.cold[project].shift();
    if (project === 'private') this.notePrivate(entry.image);
    this.wake();
    return entry.image;
  }

  /** Images waiting to be handed out (counted once each). */
  coldWaiting(project: ColdProject): number {
    return this.cold[project].length;
  }

  addFresh(image: SoakImage): void {
    this.fresh.push(image);
  }

  takeFresh(): SoakImage | undefined {
    const image = this.fresh.shift();
    if (image) this.wake();
    return image;
  }

  freshWaiting(): number {
    return this.fresh.length;
  }

  recentProtected(): readonly SoakImage[] {
    return this.recentPrivate;
  }

  /** Resolves when a client took an image (the producer may have to push another), or after `timeoutMs`. */
  waitForDemand(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.demand = undefined;
        resolve();
      }, timeoutMs);
      this.demand = () => {
        clearTimeout(timer);
        this.demand = undefined;
        resolve();
      };
    });
  }

  private wake(): void {
    this.demand?.();
  }

  private notePrivate(image: SoakImage): void {
    if (this.recentPrivate.includes(image)) return;
    this.recentPrivate.push(image);
    if (this.recentPrivate.length > 16) this.recentPrivate.shift();
  }
}
