// `./dev up` (pnpm start): Berth end to end on this machine — see flow.ts for the steps.
import { bringUp } from './flow.ts';

const started = Date.now();
try {
  const result = await bringUp({ forceLocal: Boolean(process.env.BERTH_LOCAL), say: (line) => console.log(`• ${line}`) });
  console.log(`\n$ kubectl get pods -n ${result.state.demoNamespace} -o wide\n${result.workload}`);
  console.log(`$ kubectl get regep,pcp -A\n${result.table}`);
  console.log(`Berth is up (${((Date.now() - started) / 1000).toFixed(0)} s); kubectl: KUBECONFIG=${result.state.kubeconfig}. ./dev down stops everything it started.`);
  process.exit(0);
} catch (err) {
  console.error(`./dev up failed: ${(err as Error).message}\nWhat started so far is recorded; ./dev down stops it.`);
  process.exit(1);
}
