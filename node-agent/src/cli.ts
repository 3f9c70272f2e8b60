// `berth-proxy node-agent --config FILE --host-root DIR [--once | --check] [--node-name N] [--report-kubeconfig F]
//  [--report-namespace NS] [--state-dir DIR]`: the proxy image's CLI dispatches here with the arguments after
// `node-agent` (the DaemonSet runs that image), and bin/berth-node-agent takes the same arguments. With --once it
// applies the config, prints the report as JSON and exits with the node's verdict (gate.ts: 0 mirrored, 1 failed,
// 3 not mirrored, 4 unknown); --check does the same without writing anything, on the node or in the cluster,
// reporting what is in force now and what a run would change. Otherwise it keeps applying: when the config file
// changes (a ConfigMap volume update) and every `resync`.
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNodeAgentConfig, type NodeAgentReport } from '@berth/contracts/node-agent';
import { applyNodeMirror, DEFAULT_STATE_DIR } from './apply.ts';
import { parseRuntimeVersion } from './detect.ts';
import { exitCode } from './gate.ts';
import { applyConfigMap, getNodeFacts, inClusterTarget, kubeconfigTarget, type KubeTarget } from './kube.ts';
import { buildReport, reportConfigMap } from './report.ts';

const USAGE =
  'usage: berth-proxy node-agent --config FILE --host-root DIR [--once | --check] [--node-name N] [--report-kubeconfig F] [--report-namespace NS] [--state-dir DIR]\n' +
  '  --once   apply, print the report, exit 0 mirrored / 1 failed / 3 not mirrored / 4 unknown\n' +
  '  --check  the same without writing anything (node files, state, report ConfigMap)';

interface Options {
  config: string;
  hostRoot: string;
  once: boolean;
  check: boolean;
  stateDir: string;
  nodeName?: string;
  reportKubeconfig?: string;
  reportNamespace?: string;
}

export async function runNodeAgent(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let kube: KubeTarget | undefined;
  if (opts.nodeName !== undefined && (opts.reportKubeconfig !== undefined || process.env.KUBERNETES_SERVICE_HOST)) {
    kube = opts.reportKubeconfig !== undefined ? await kubeconfigTarget(opts.reportKubeconfig) : await inClusterTarget();
  }
  try {
    if (opts.once || opts.check) {
      const report = await runOnce(opts, kube);
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return exitCode(report);
    }
    await loop(opts, kube);
    return 0;
  } catch (err) {
    process.stderr.write(`node-agent: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await kube?.dispatcher.close();
  }
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'host-root': { type: 'string' },
      once: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      'node-name': { type: 'string' },
      'report-kubeconfig': { type: 'string' },
      'report-namespace': { type: 'string' },
    },
    strict: true,
  });
  if (!values.config) throw new Error('--config is required');
  if (!values['host-root']) throw new Error('--host-root is required');
  if (values.once && values.check) throw new Error('--once applies, --check only looks: pass one of them');
  return {
    config: values.config,
    hostRoot: values['host-root'],
    once: values.once ?? false,
    check: values.check ?? false,
    stateDir: values['state-dir'] ?? DEFAULT_STATE_DIR,
    ...(values['node-name'] ? { nodeName: values['node-name'] } : {}),
    ...(values['report-kubeconfig'] ? { reportKubeconfig: values['report-kubeconfig'] } : {}),
    ...(values['report-namespace'] ? { reportNamespace: values['report-namespace'] } : {}),
  };
}

/** One pass: read the config, learn about the node, apply, report. */
async function runOnce(opts: Options, kube: KubeTarget | undefined): Promise<NodeAgentReport> {
  const text = await readFile(opts.config, 'utf8');
  const cfg = parseNodeAgentConfig(text);
  const facts = kube && opts.nodeName ? await getNodeFacts(kube, opts.nodeName) : undefined;
  const hint = parseRuntimeVersion(facts?.containerRuntimeVersion);
  const result = await applyNodeMirror(cfg, {
    hostRoot: opts.hostRoot,
    stateDir: opts.stateDir,
    ...(facts ? { nodeLabels: facts.labels } : {}),
    ...(hint ? { runtimeHint: hint } : {}),
    ...(opts.check ? { checkOnly: true } : {}),
  });
  const report = buildReport(result, text, opts.nodeName, new Date());
  if (kube && opts.nodeName !== undefined && !opts.check) {
    const namespace = opts.reportNamespace ?? cfg.nodeReports.namespace ?? kube.namespace;
    if (namespace === undefined) throw new Error('no namespace for the node report: pass --report-namespace');
    await applyConfigMap(kube, reportConfigMap({ ...report, node: opts.nodeName }, namespace));
  }
  return report;
}

/** Applies on start, on every change of the config file's folder (ConfigMap volumes swap a symlink), and every resync. */
async function loop(opts: Options, kube: KubeTarget | undefined): Promise<void> {
  let wake: (() => void) | undefined;
  let stopping = false;
  let dirty = false; // a change seen while applying: apply again at once
  const kick = () => {
    dirty = true;
    wake?.();
  };
  const watcher = watch(dirname(opts.config), kick);
  const stop = () => {
    stopping = true;
    kick();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    while (!stopping) {
      let resyncSeconds = 300;
      dirty = false;
      try {
        const report = await runOnce(opts, kube);
        resyncSeconds = parseNodeAgentConfig(await readFile(opts.config, 'utf8')).resyncSeconds;
        log({ msg: 'applied', verdict: report.verdict, changed: report.changed, restored: report.restored, errors: report.errors });
      } catch (err) {
        log({ msg: 'apply failed', error: (err as Error).message });
        resyncSeconds = 30;
      }
      if (stopping) break;
      if (dirty) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, resyncSeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher.close();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), component: 'node-agent', ...fields }) + '\n');
}
