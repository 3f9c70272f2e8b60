// What `up` records so that `down`, `status` and later runs find the cluster: the ports and every process's pid
// (in state.json and, for people and scripts, in pids/<component>.pid).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentName, Ports } from './components.ts';
import type { NodeComponentName } from './realnode.ts';
import type { ClusterLayout } from './layout.ts';

export interface ProcessRecord {
  pid: number;
  command: string;
  args: string[];
  port: number;
}

export interface ClusterState {
  ports: Ports;
  processes: Partial<Record<ComponentName | NodeComponentName, ProcessRecord>>;
  /** the fake nodes kwok keeps */
  nodes: string[];
  startedAt: string;
  /** set when the cluster has the real node (realnode.ts) */
  /** containerd: 'system' (Debian's) or the bed's release it runs (BERTH_CONTAINERD). */
  realNode?: { name: string; registry: string; containerd?: string };
}

export function readState(layout: ClusterLayout): ClusterState | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined; // a torn write from an interrupted `up`: treated as no cluster, `down` still reads pid files
  }
}

export async function writeState(layout: ClusterLayout, state: ClusterState): Promise<void> {
  await mkdir(layout.pids, { recursive: true });
  const tmp = `${layout.stateFile}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, layout.stateFile);
  for (const [name, rec] of Object.entries(state.processes)) await recordPid(layout, name, rec.pid, rec.command);
}

/** Every recorded process, from state.json and from pid files (an `up` may have died before writing state). */
export async function recordedProcesses(layout: ClusterLayout): Promise<Map<string, { pid: number; command: string }>> {
  const found = new Map<string, { pid: number; command: string }>();
  if (existsSync(layout.pids)) {
    for (const file of await readdir(layout.pids)) {
      if (!file.endsWith('.pid')) continue;
      const [pid, command] = (await readFile(join(layout.pids, file), 'utf8')).split('\n');
      if (pid && command && Number.isInteger(Number(pid))) found.set(file.slice(0, -'.pid'.length), { pid: Number(pid), command });
    }
  }
  for (const [name, rec] of Object.entries(readState(layout)?.processes ?? {})) found.set(name, { pid: rec.pid, command: rec.command });
  return found;
}

export async function recordPid(layout: ClusterLayout, name: string, pid: number, command: string): Promise<void> {
  await mkdir(layout.pids, { recursive: true });
  // the pid, then the binary it runs: `down` signals the pid only while it still runs that binary
  await writeFile(join(layout.pids, `${name}.pid`), `${pid}\n${command}\n`);
}

export async function forgetProcesses(layout: ClusterLayout): Promise<void> {
  await rm(layout.pids, { recursive: true, force: true });
  await rm(layout.stateFile, { force: true });
}
