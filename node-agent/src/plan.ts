// What the agent wants on a node, as pure data: whole files it owns (containerd hosts.toml, CRI-O drop-ins) and
// entries it owns inside shared files (k3s/RKE2 registries.yaml, Docker's daemon.json), per registry and runtime.
import { join } from 'node:path';
import type { DetectedRuntime, MirroredRegistry, NodeAgentConfig, RuntimeName } from '@berth/contracts/node-agent';
import { renderHostsToml } from './render/containerd.ts';
import { crioDropInName, renderCrioDropIn } from './render/crio.ts';
import { k3sEntries } from './render/k3s.ts';

export interface DesiredFile {
  path: string;
  content: string;
  registry: string;
  runtime: RuntimeName;
}

export interface DesiredEntry {
  file: string;
  format: 'registries.yaml' | 'daemon.json';
  key: string[];
  value: unknown;
  registry: string;
  runtime: RuntimeName;
}

/** A runtime the agent leaves alone for a registry, and why (reported, never an error). */
export interface Skip {
  registry: string;
  runtime: RuntimeName;
  reason: 'NotDockerHub' | 'NoRootMirror';
  message: string;
}

export interface Plan {
  registries: MirroredRegistry[];
  files: DesiredFile[];
  entries: DesiredEntry[];
  skips: Skip[];
}

export function matchesSelector(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  if (labels === undefined) return true; // a person running the agent by hand: apply everything
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function planNodeMirror(cfg: NodeAgentConfig, runtimes: DetectedRuntime[], nodeLabels?: Record<string, string>): Plan {
  const plan: Plan = { registries: [], files: [], entries: [], skips: [] };
  for (const r of cfg.registries) {
    if (!matchesSelector(nodeLabels, r.nodeSelector)) continue;
    plan.registries.push(r);
    for (const rt of runtimes) {
      if (!r.runtimes.includes(rt.name)) continue;
      const base = { registry: r.registry, runtime: rt.name };
      switch (rt.name) {
        case 'containerd':
          plan.files.push({ ...base, path: join(rt.hostsDir as string, r.registry, 'hosts.toml'), content: renderHostsToml(r) });
          break;
        case 'crio':
          plan.files.push({ ...base, path: join(rt.dropInDir as string, crioDropInName(r.registry)), content: renderCrioDropIn(r) });
          break;
        case 'k3s':
        case 'rke2':
          for (const e of k3sEntries(r, { defaultEndpointDisabled: rt.defaultEndpointDisabled === true })) {
            plan.entries.push({ ...base, file: rt.configFile as string, format: 'registries.yaml', key: [...e.key], value: e.value });
          }
          break;
        case 'docker':
          if (r.registry !== 'docker.io') {
            plan.skips.push({ ...base, reason: 'NotDockerHub', message: 'Docker takes registry-mirrors for Docker Hub only' });
          } else if (!r.rootMirror) {
            plan.skips.push({
              ...base,
              reason: 'NoRootMirror',
              message: 'Docker asks a mirror for /v2/<repo>: make this project the cache\'s default project so it serves docker.io at the root',
            });
          } else {
            plan.entries.push({ ...base, file: rt.configFile as string, format: 'daemon.json', key: ['registry-mirrors'], value: r.mirror });
          }
          break;
      }
    }
  }
  return plan;
}
