// Layer sizes of the soak's images. Full: realistic layers, some MBs and a few tens of MB for the cold pulls; small:
// a few hundred KB, for the seeded run in the tests.

export interface SoakSizes {
  /** Cached before the run starts, per project (hub's first one is pushed as a multi-arch index). */
  warm: { hub: number[][]; private: number[][]; flaky: number[][] };
  /** Cold images: each pushed during the run draws one of these (repeat a profile to make it likelier). */
  cold: number[][];
  /** On the flaky upstream, never pulled before: its first pull depends on whether that upstream is up. */
  fresh: number[];
  /** Fresh images ready from the start (the producer pushes more while the flaky upstream is up). */
  freshAtStart: number;
}

const MB = 1_000_000;

export const FULL_SIZES: SoakSizes = {
  warm: {
    hub: [[1 * MB, 3 * MB], [2 * MB, 5 * MB], [8 * MB], [0.5 * MB, 0.5 * MB, 1 * MB], [20 * MB], [1 * MB, 12 * MB]],
    private: [[3 * MB, 4 * MB], [10 * MB], [1 * MB]],
    flaky: [[2 * MB], [1 * MB, 6 * MB], [4 * MB]],
  },
  cold: [
    [1 * MB, 3 * MB], [1 * MB, 3 * MB], [2 * MB, 6 * MB], [2 * MB, 6 * MB], [4 * MB], [4 * MB],
    [0.5 * MB, 2 * MB, 8 * MB], [0.5 * MB, 2 * MB, 8 * MB], [30 * MB], [2 * MB, 40 * MB],
  ],
  fresh: [0.5 * MB, 1.5 * MB],
  freshAtStart: 8,
};

export const SMALL_SIZES: SoakSizes = {
  warm: { hub: [[200_000, 300_000], [500_000]], private: [[300_000]], flaky: [[200_000]] },
  cold: [[100_000, 400_000], [700_000]],
  fresh: [150_000],
  freshAtStart: 4,
};
