// `./dev down` (pnpm stop): stops what `./dev up` started, and only that.
import { tearDown } from './flow.ts';

try {
  const done = await tearDown();
  console.log(done.length > 0 ? done.map((d) => `• ${d}`).join('\n') : 'nothing to stop: ./dev up has not run (or ./dev down already did)');
  process.exit(0);
} catch (err) {
  console.error(`./dev down failed: ${(err as Error).message}`);
  process.exit(1);
}
