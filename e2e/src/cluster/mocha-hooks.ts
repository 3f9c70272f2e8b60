// Mocha root hooks: at the end of a run, stop the local control plane if this run started it (a cluster that
// was already up, e.g. from `pnpm cluster up`, is left running). Register in .mocharc.json's `require`.
import { releaseCluster } from './index.ts';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await releaseCluster();
  },
};
