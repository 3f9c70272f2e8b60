// berth-operator's entry point: the only place that touches process-wide state (signals, exit code).
import { pathToFileURL } from 'node:url';
import { Controller } from './controller.ts';
import { KeepAliveKubeConfig } from './kube/kube-config.ts';
import { apiLeaseStore, LeaderElector } from './kube/leader-election.ts';
import { makeLogger } from './observe/logger.ts';
import { OperatorMetrics } from './observe/metrics.ts';
import { startHealthServer } from './observe/health-server.ts';
import { operatorVersion, parseOptions, USAGE, UsageError, type OperatorOptions } from './options.ts';
import { kubeClient } from './kube/kube-client.ts';
import { PodImageWebhook } from './webhook/webhook.ts';

function loadKubeConfig(options: OperatorOptions): KeepAliveKubeConfig {
  const kc = new KeepAliveKubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--version')) {
    process.stdout.write(`berth-operator ${operatorVersion()}\n`);
    return 0;
  }
  let options: OperatorOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      // --help is an answer (stdout, exit 0); a mistake is an error (stderr, exit 2).
      if (!error.message) process.stdout.write(`${USAGE}\n`);
      else process.stderr.write(`${error.message}\n${USAGE}\n`);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  const log = makeLogger();
  // A rejection nobody awaited (client-node re-lists inside its watch callbacks) is logged, never fatal: the
  // informer that lost it restarts itself with backoff.
  process.on('unhandledRejection', (reason) => log.error('unhandled rejection', { error: String((reason as Error)?.message ?? reason) }));

  const kc = loadKubeConfig(options);
  const metrics = new OperatorMetrics();
  let controller: Controller | undefined;
  const newController = () => new Controller({
    kc, log, metrics,
    ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
    operatorNamespace: options.operatorNamespace,
    proxyImage: options.proxyImage,
    proxyPod: options.proxyPod,
    nodeAgentPod: options.nodeAgentPod,
    resyncMs: options.resyncSeconds * 1000,
    proxyUrls: options.proxyUrls,
    nodeMirrorNamespaces: options.nodeMirrorNamespaces,
  });
  const elector = options.leaderElect
    ? new LeaderElector(apiLeaseStore(kc, options.leaseNamespace, options.leaseName), {
        namespace: options.leaseNamespace,
        name: options.leaseName,
        identity: options.identity,
        leaseDurationMs: options.leaseSeconds * 1000,
        renewMs: options.renewSeconds * 1000,
        retryMs: Math.max(500, Math.min(2000, options.renewSeconds * 1000)),
        log,
        onStartedLeading: async () => {
          metrics.leader.set(1);
          controller = newController();
          await controller.start();
        },
        onStoppedLeading: async () => {
          metrics.leader.set(0);
          const stopping = controller;
          controller = undefined;
          await stopping?.stop();
        },
      })
    : undefined;

  // Every replica serves the pod image webhook, leader or not: the apiserver calls any ready pod of the Service.
  const webhook = options.webhook
    ? new PodImageWebhook({
        kc, kube: kubeClient(kc), log: log.child({ component: 'webhook' }), registry: metrics.registry,
        operatorNamespace: options.operatorNamespace,
        ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
        host: options.webhook.host, port: options.webhook.port,
        secretName: options.webhook.secretName, serviceName: options.webhook.serviceName,
        ...(options.webhook.configName ? { configName: options.webhook.configName } : {}),
        extraNames: options.webhook.extraNames,
        externalCertificates: options.webhook.externalCertificates,
        proxyUrls: options.proxyUrls,
        clusterServingNamespaces: options.nodeMirrorNamespaces,
      })
    : undefined;
  const health = await startHealthServer(options.healthHost, options.healthPort, {
    registry: metrics.registry,
    // A standby replica is healthy and ready; the leader is ready once its watches have listed; with the webhook,
    // once it serves a certificate too.
    ready: () => (controller ? controller.synced : elector !== undefined) && (webhook?.ready ?? true),
  });
  log.info('berth-operator started', {
    identity: options.identity, watchNamespace: options.watchNamespace ?? '*', healthPort: health.port, leaderElect: options.leaderElect,
    nodeMirrorNamespaces: options.nodeMirrorNamespaces,
  });

  // The webhook starts in the background and retries its first certificate until it has one; until then a pod is
  // admitted unchanged (failurePolicy Ignore).
  const webhookStarted = webhook?.start().catch((error: unknown) => log.error('pod image webhook stopped', { error: (error as Error).message }));

  if (elector) elector.start();
  else {
    controller = newController();
    await controller.start();
  }

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info('berth-operator stopping');
  if (elector) await elector.stop();
  await controller?.stop();
  await webhook?.stop();
  await webhookStarted;
  await health.close();
  await kc.close();
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await main(process.argv.slice(2)));
}
