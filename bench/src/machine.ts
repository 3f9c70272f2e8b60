// The machine a run measured on, for the report's header and the JSON.
import { cpus, release, totalmem } from 'node:os';
import type { MachineInfo } from './results.ts';

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
  };
}
