// What `./dev up` started, so that `./dev down` stops exactly that: kept in <cluster dir>/up/state.json
// (e2e/.cluster/up/, git-ignored), next to the logs of the processes it runs.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterLayout } from '../cluster/layout.ts';

export interface UpService {
  pid: number;
  /** The binary the pid runs: a recycled pid running something else is never signalled. */
  command: string;
  logFile: string;
}

export interface UpState {
  /** local: the test bed's control plane; context: the current kube context. */
  mode: 'local' | 'context';
  /** `up` started the local control plane (so `down` stops it). */
  startedCluster: boolean;
  kubeconfig: string;
  /** The Helm release of the chart, in `namespace`. */
  release: string;
  namespace: string;
  /** Where the demo RegistryEndpoint and ProxyCacheProject live. */
  demoNamespace: string;
  services: Record<string, UpService>;
}

export function upDir(): string {
  return join(clusterLayout().root, 'up');
}

const stateFile = (): string => join(upDir(), 'state.json');

export function readUpState(): UpState | undefined {
  return existsSync(stateFile()) ? (JSON.parse(readFileSync(stateFile(), 'utf8')) as UpState) : undefined;
}

export async function writeUpState(state: UpState): Promise<void> {
  await mkdir(upDir(), { recursive: true });
  await writeFile(stateFile(), JSON.stringify(state, null, 2), { mode: 0o600 });
}

export async function removeUpDir(): Promise<void> {
  await rm(upDir(), { recursive: true, force: true });
}
